using System.Collections.Immutable;
using CniNet.Felix.Calc;
using CniNet.Felix.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// What the renderer keeps per local endpoint between rounds: the objects its labels derive from, the labels, the
/// policies that select it, and its two chains, rebuilt only when that selection changes.
/// </summary>
internal sealed class EndpointChains(PodEndpoint pod, object namespaceLabels, ImmutableDictionary<string, string> labels)
{
    public PodEndpoint Pod => pod;

    public object NamespaceLabels => namespaceLabels;

    public ImmutableDictionary<string, string> Labels => labels;

    public HashSet<CompiledPolicy> Selected { get; } = new(ReferenceEqualityComparer.Instance);

    public NftChain? Ingress { get; set; }

    public NftChain? Egress { get; set; }
}
