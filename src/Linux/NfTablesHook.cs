namespace CniNet.Linux;

/// <summary>
/// What makes a chain a base chain: its type (<c>filter</c>), the netfilter hook (NF_INET_PRE_ROUTING 0, LOCAL_IN 1,
/// FORWARD 2, LOCAL_OUT 3, POST_ROUTING 4), the priority, and whether its policy is accept (else drop).
/// </summary>
public sealed record NfTablesHook(string Type, uint HookNumber, int Priority, bool AcceptPolicy);
