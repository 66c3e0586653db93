namespace CniNet.Felix.Policy;

/// <summary>
/// Where a policy runs, as Felix's event sequencer splits a tier into normal, forward, pre-DNAT and untracked groups:
/// workloads and the host's own traffic (normal), also traffic forwarded through a host endpoint
/// (<c>applyOnForward</c>), before DNAT (<c>preDNAT</c>, ingress only) or before conntrack (<c>doNotTrack</c>). The
/// last two never apply to workloads.
/// </summary>
internal enum HostPolicyFlavor
{
    Normal,
    NormalAndForward,
    PreDnat,
    Untracked,
}
