using CniNet.Model.Resources;

namespace CniNet.Model.Kubernetes;

/// <summary>
/// A Kubernetes core ServiceAccount; the stack reads only its labels, which pods running as it inherit under
/// <c>pcsa.</c> (Calico's profile <c>ksa.&lt;namespace&gt;.&lt;name&gt;</c>).
/// </summary>
public sealed class ServiceAccount : Resource;
