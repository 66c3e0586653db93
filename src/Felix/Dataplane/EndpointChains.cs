using System.Collections.Immutable;
using CniNet.Felix.Calc;
using CniNet.Felix.Policy;

namespace CniNet.Felix.Dataplane;

/// <summary>
/// What the renderer keeps per local endpoint between rounds: the objects its labels derive from, the labels, the
/// policies that select it, and whether its chains (laid out again only when that selection changes) are up to date.
/// </summary>
internal sealed class EndpointChains(PodEndpoint pod, PodInheritance inherited, IReadOnlyDictionary<string, string> labels)
{
    public PodEndpoint Pod => pod;

    public PodInheritance Inherited => inherited;

    public IReadOnlyDictionary<string, string> Labels => labels;

    public HashSet<CompiledPolicy> Selected { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Its chains and dispatch verdicts are those of <see cref="Selected"/>; false makes the renderer lay them out again.</summary>
    public bool Rendered { get; set; }
}
