using System.Collections.Immutable;

namespace CniNet.Felix.Calc;

/// <summary>
/// What a pod inherits labels from, as Calico's profiles <c>kns.&lt;namespace&gt;</c> and
/// <c>ksa.&lt;namespace&gt;.&lt;service account&gt;</c> apply them: its namespace's labels and its service account's
/// (empty while the state does not know it). Equal when both are the same objects, which an unchanged state keeps.
/// </summary>
public readonly record struct PodInheritance(ImmutableDictionary<string, string> Namespace, ImmutableDictionary<string, string> ServiceAccount);
