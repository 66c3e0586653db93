namespace CniNet.Felix.Policy;

/// <summary>
/// One IP-set member before it is built: a stable id (<c>pod/ns/name</c>, <c>networkset/ns/name</c>,
/// <c>globalnetworkset/name</c>), the resource and namespace labels it derives from (the same objects mean the same
/// member), and how to build it.
/// </summary>
internal sealed record IpSetMemberSource(string Id, object Resource, object? NamespaceLabels, Func<IpSetMember> Build)
{
    public bool SameAs(IpSetMemberSource other) =>
        ReferenceEquals(Resource, other.Resource) && ReferenceEquals(NamespaceLabels, other.NamespaceLabels);
}
