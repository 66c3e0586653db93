using CniNet.Model.Net;

namespace CniNet.IpamCore;

/// <summary>A copy of what an <see cref="AssignSession"/>'s plan held at one point, to go back to.</summary>
internal sealed record PlanMark(
    Dictionary<Cidr, (StoredBlock Read, IpamBlock Next)> Staged,
    int StagedHandles,
    Dictionary<Cidr, StoredBlock?> Blocks,
    List<Cidr> Preferred);
