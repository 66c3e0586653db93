using CniNet.Model.Policy;

namespace CniNet.Felix.Calc;

/// <summary>A named container port a workload serves; rules naming it resolve to (IP, protocol, port) triples.</summary>
public sealed record NamedPort(string Name, ushort Port, Protocol Protocol);
