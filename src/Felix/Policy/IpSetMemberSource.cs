namespace CniNet.Felix.Policy;

/// <summary>
/// One IP-set member before it is built: a stable id (<c>pod/ns/name</c>, <c>networkset/ns/name</c>,
/// <c>globalnetworkset/name</c>, <c>hostendpoint/name</c>), the resource and what it inherits labels from (its
/// namespace's labels, or the profiles for a host endpoint; the same objects mean the same member), and how to build it.
/// </summary>
internal sealed record IpSetMemberSource(string Id, object Resource, object? Inherited, Func<IpSetMember> Build)
{
    public bool SameAs(IpSetMemberSource other) =>
        ReferenceEquals(Resource, other.Resource) && ReferenceEquals(Inherited, other.Inherited);
}
