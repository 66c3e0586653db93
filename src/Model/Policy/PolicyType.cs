namespace CniNet.Model.Policy;

/// <summary>Values of a policy's <c>types</c> list and of its <c>performanceHints</c>.</summary>
public static class PolicyType
{
    public const string Ingress = "Ingress";
    public const string Egress = "Egress";

    public const string HintAssumeNeededOnEveryNode = "AssumeNeededOnEveryNode";
}
