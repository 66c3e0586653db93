namespace CniNet.Felix.Policy;

/// <summary>
/// One IP-set member before it is built: a stable id (<c>pod/ns/name</c>, <c>networkset/ns/name</c>,
/// <c>globalnetworkset/name</c>, <c>hostendpoint/name</c>), the resource and what it inherits labels from (a pod's
/// <see cref="Calc.PodInheritance"/>, a network set's namespace labels, or the profiles for a host endpoint; the same
/// objects mean the same member), and how to build it.
/// </summary>
internal sealed record IpSetMemberSource(string Id, object Resource, object? Inherited, Func<IpSetMember> Build)
{
    // Equals: a pod's inheritance is a value holding the objects (equal when they are the same), the rest are objects
    // that compare by reference.
    public bool SameAs(IpSetMemberSource other) =>
        ReferenceEquals(Resource, other.Resource) && Equals(Inherited, other.Inherited);
}
