using CniNet.Model.Resources;

namespace CniNet.Model.Kubernetes;

/// <summary>A Kubernetes core Namespace; the stack reads only its metadata (labels and annotations).</summary>
public sealed class Namespace : Resource;
