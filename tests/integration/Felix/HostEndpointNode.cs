using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using CniNet.Felix.Calc;
using CniNet.Felix.Dataplane;
using CniNet.Linux;
using CniNet.Model.Policy;
using CniNet.Model.Resources;
using CniNet.Tests.Integration.Linux;

namespace CniNet.Tests.Integration.Felix;

/// <summary>
/// A <see cref="PolicyNode"/> (libnftables in its namespace) whose host interfaces <c>eth0</c> and <c>eth1</c> are
/// veths to two client namespaces (<c>cninet-felixhep-*</c>), each interface under a HostEndpoint of this node; the
/// node serves TCP 22, 8080 and 8081 itself, hosts the pod <c>x/a</c>, and translates its port 8088 to the pod's port
/// 80 with a DNAT rule in a table of its own (<c>ip testnat</c>), as kube-proxy would for a NodePort. Everything is
/// deleted on dispose, also when the set-up fails half-way.
/// </summary>
public sealed class HostEndpointNode : IDisposable
{
    public const string NodeName = "felixhep-node";
    public const int DnatPort = 8088;

    public static readonly IPAddress PodIp = IPAddress.Parse("10.65.0.10");
    public static readonly int[] HostPorts = [22, 8080, 8081];

    private readonly TestNamespaces _clients = new();
    private readonly List<PolicyPod> _endpoints = [];

    public HostEndpointNode()
    {
        try
        {
            Node = PolicyNode.WithInProcessNft(new NftDataplaneOptions { NodeName = NodeName });
            ClientA = Client("eth0", 60);
            ClientB = Client("eth1", 61);
            _endpoints.Add(new PolicyPod("node", EthAddress(60, 1), Node.Host, "eth0", HostPorts));
            Pod = Node.Pod("x/a", PodIp);
            var nat = Node.Nft.Run(
                "add table ip testnat\n" +
                "add chain ip testnat prerouting { type nat hook prerouting priority dstnat; }\n" +
                $"add rule ip testnat prerouting tcp dport {DnatPort} dnat to {PodIp}:80\n");
            if (!nat.Succeeded) throw new InvalidOperationException($"DNAT table: {nat.Error}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public PolicyNode Node { get; } = null!;

    /// <summary>The client behind <c>eth0</c> (192.168.60.2; the node is 192.168.60.1).</summary>
    public PolicyPod ClientA { get; } = null!;

    /// <summary>The client behind <c>eth1</c> (192.168.61.2; the node is 192.168.61.1).</summary>
    public PolicyPod ClientB { get; } = null!;

    public PolicyPod Pod { get; } = null!;

    public static IPAddress EthAddress(int subnet, int host) => new([192, 168, (byte)subnet, (byte)host]);

    /// <summary>The pod x/a, and the host endpoints on eth0 and eth1 labelled <c>hep == 'uplink'</c>.</summary>
    public static ClusterState Cluster() =>
        ClusterState.Empty
            .WithNamespace("x", [])
            .WithPod(new PodEndpoint("x", "a", ImmutableDictionary<string, string>.Empty.Add("pod", "a"), PodIp, "default", []))
            .WithHostEndpoint(HostEndpoint("eth0", EthAddress(60, 1)))
            .WithHostEndpoint(HostEndpoint("eth1", EthAddress(61, 1)));

    public void Apply(ClusterState state)
    {
        var result = Node.Dataplane.Apply(state, Node.Endpoints(state));
        if (!result.Succeeded) throw new InvalidOperationException(result.Error);
    }

    /// <summary>Whether a TCP connection from the client to the address and port completes (a drop is a timeout).</summary>
    public static Task<bool> ConnectsAsync(PolicyPod client, IPAddress destination, int port) =>
        client.ReachesAsync(destination, ProtocolType.Tcp, port, TimeSpan.FromSeconds(1.5));

    public void Dispose()
    {
        foreach (var endpoint in _endpoints) endpoint.Dispose();
        Node?.Dispose();
        _clients.Dispose();
    }

    /// <summary>This node's host endpoint on <paramref name="iface"/> (or <c>*</c>), labelled <c>hep == 'uplink'</c>.</summary>
    public static HostEndpoint HostEndpoint(string iface, IPAddress address, params List<string> profiles) =>
        new()
        {
            Metadata = new ObjectMeta
            {
                Name = $"{NodeName}-{(iface == HostEndpointSpec.AllInterfaces ? "all" : iface)}",
                Labels = new() { ["hep"] = "uplink" },
            },
            Spec = new HostEndpointSpec { Node = NodeName, InterfaceName = iface, ExpectedIPs = [address.ToString()], Profiles = profiles },
        };

    /// <summary>A client namespace joined to the node by a veth whose node end is <paramref name="iface"/>.</summary>
    private PolicyPod Client(string iface, int subnet)
    {
        var ns = _clients.Add("felixhep");
        var links = _clients.Netlink(ns);
        Node.HostNetlink.CreateVethPair(iface, "eth0", ns, 1500);
        var nodeEnd = Node.HostNetlink.GetLink(iface)!.Index;
        Node.HostNetlink.AddAddress(nodeEnd, EthAddress(subnet, 1), 24);
        Node.HostNetlink.SetLinkUp(nodeEnd);
        var clientEnd = links.GetLink("eth0")!.Index;
        links.AddAddress(clientEnd, EthAddress(subnet, 2), 24);
        links.SetLinkUp(clientEnd);
        links.SetLinkUp(links.GetLink("lo")!.Index);
        links.AddRoute(new RouteSpec(IPAddress.Any, 0) { Gateway = EthAddress(subnet, 1), OutputInterface = clientEnd });
        var client = new PolicyPod($"client-{iface}", EthAddress(subnet, 2), ns, iface, []);
        _endpoints.Add(client);
        return client;
    }
}
