using System.Text.Json;
using System.Text.Json.Serialization;
using CniNet.Model.Kubernetes;

namespace CniNet.Felix.Corpus;

// The wire shapes of one netpol-cases/v1 document, kept together because they only make sense as that document
// (see shared/data/netpol-cases.README.md). Members the runner does not need (sources, stats, probeSpec,
// upstreamExpectation, the descriptive "profiles") are left unmapped and ignored.

/// <summary>A <c>netpol-cases/v1</c> file: policy cases with expected reachability matrices.</summary>
public sealed class NetpolCaseFile
{
    public const string FormatV1 = "netpol-cases/v1";

    public string Format { get; set; } = "";

    public List<NetpolCase> Cases { get; set; } = [];
}

/// <summary>One case: an initial cluster, Calico resources for the calico suite, and steps applied cumulatively.</summary>
public sealed class NetpolCase
{
    public string Id { get; set; } = "";

    public string Suite { get; set; } = "";

    public string Title { get; set; } = "";

    public string? Note { get; set; }

    /// <summary>Whether the diagonal (a pod to its own IP) is left out of the comparison, as upstream e2e does.</summary>
    public bool IgnoreLoopback { get; set; }

    public List<string>? Tags { get; set; }

    public CaseCluster Initial { get; set; } = new();

    public CaseResources? Resources { get; set; }

    public List<CaseStep> Steps { get; set; } = [];
}

public sealed class CaseCluster
{
    /// <summary>Namespace name to its labels.</summary>
    public Dictionary<string, Dictionary<string, string>> Namespaces { get; set; } = [];

    public List<CasePod> Pods { get; set; } = [];
}

public sealed class CasePod
{
    /// <summary>"namespace/name".</summary>
    public string Pod { get; set; } = "";

    public Dictionary<string, string>? Labels { get; set; }

    public string? Ip { get; set; }

    public string? ServiceAccount { get; set; }

    public List<CasePort>? Ports { get; set; }
}

public sealed class CasePort
{
    public string Name { get; set; } = "";

    public int Port { get; set; }

    public string Protocol { get; set; } = "";
}

/// <summary>Calico v3-shaped resources a calico-suite case starts with.</summary>
public sealed class CaseResources
{
    public List<CaseTier>? Tiers { get; set; }

    public List<CasePolicy>? Policies { get; set; }

    public List<CaseNetworkSet>? NetworkSets { get; set; }
}

public sealed class CaseTier
{
    public string Name { get; set; } = "";

    public double? Order { get; set; }

    public string? DefaultAction { get; set; }
}

/// <summary>A Calico NetworkPolicy (namespaced) or GlobalNetworkPolicy; the spec is read per kind.</summary>
public sealed class CasePolicy
{
    public string Kind { get; set; } = "";

    public string Name { get; set; } = "";

    public string? Namespace { get; set; }

    public JsonElement Spec { get; set; }
}

/// <summary>A NetworkSet, or a GlobalNetworkSet when it has no namespace.</summary>
public sealed class CaseNetworkSet
{
    public string Name { get; set; } = "";

    public string? Namespace { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public List<string>? Nets { get; set; }
}

public sealed class CaseStep
{
    public List<CaseAction> Actions { get; set; } = [];

    public List<CaseProbe> Probes { get; set; } = [];
}

/// <summary>One cluster change; which fields are set depends on <see cref="Op"/>.</summary>
public sealed class CaseAction
{
    public const string CreatePolicy = "createPolicy";
    public const string UpdatePolicy = "updatePolicy";
    public const string DeletePolicy = "deletePolicy";
    public const string DeleteAllPolicies = "deleteAllPolicies";
    public const string SetNamespaceLabels = "setNamespaceLabels";
    public const string AddNamespaceLabels = "addNamespaceLabels";
    public const string SetPodLabels = "setPodLabels";
    public const string AddPodLabels = "addPodLabels";
    public const string CreateNamespace = "createNamespace";
    public const string DeleteNamespace = "deleteNamespace";
    public const string CreatePod = "createPod";
    public const string DeletePod = "deletePod";

    public string Op { get; set; } = "";

    public KubernetesNetworkPolicy? Policy { get; set; }

    public string? Namespace { get; set; }

    public string? Name { get; set; }

    /// <summary>"namespace/name" of the pod the action is about.</summary>
    public string? Pod { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public string? Ip { get; set; }

    public string? ServiceAccount { get; set; }
}

/// <summary>
/// Connections from every pod of <see cref="Pods"/> to every one on a port (a number, or a named port resolved on the
/// destination); <c>Matrix[i][j]</c> is '1' allowed, '0' denied, '-' the destination does not serve that named port.
/// </summary>
public sealed class CaseProbe
{
    public IntOrString Port { get; set; }

    public string Protocol { get; set; } = "";

    public List<string> Pods { get; set; } = [];

    public List<string> Matrix { get; set; } = [];

    public List<string>? ExpectedDenied { get; set; }
}
