using CniNet.Linux;
using CniNet.Tests.Integration.Linux;

namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// A "switch" namespace holding a Linux bridge, and hosts (namespaces) each joined to it by a veth pair, as in
/// ../shared/reference/bgp.md. Every namespace is deleted on dispose; nothing is made in the test's own namespace.
/// </summary>
/// <param name="tag">The namespaces' name tag (see <see cref="TestNamespaces"/>).</param>
public sealed class BgpLab : IDisposable
{
    private readonly TestNamespaces _namespaces;
    private readonly NetworkNamespace _switch;
    private int _ports;

    public BgpLab(string tag = "lx")
    {
        _namespaces = new TestNamespaces(tag);
        try
        {
            _switch = _namespaces.Add();
            TestNamespaces.Ip("-n", TestNamespaces.NameOf(_switch), "link", "add", "br0", "type", "bridge");
            TestNamespaces.Ip("-n", TestNamespaces.NameOf(_switch), "link", "set", "br0", "up");
        }
        catch
        {
            _namespaces.Dispose();
            throw;
        }
    }

    /// <summary>A host with <c>eth0</c> on the bridge carrying <paramref name="addresses"/> (CIDRs; IPv6 ones without DAD).</summary>
    public NetworkNamespace AddHost(params string[] addresses)
    {
        var host = _namespaces.Add();
        var name = TestNamespaces.NameOf(host);
        var port = $"port{++_ports}";
        TestNamespaces.Ip("link", "add", "eth0", "netns", name, "type", "veth", "peer", "name", port, "netns", TestNamespaces.NameOf(_switch));
        TestNamespaces.Ip("-n", TestNamespaces.NameOf(_switch), "link", "set", port, "master", "br0", "up");
        TestNamespaces.Ip("-n", name, "link", "set", "lo", "up");
        foreach (var address in addresses)
        {
            if (address.Contains(':')) TestNamespaces.Ip("-n", name, "addr", "add", address, "dev", "eth0", "nodad");
            else TestNamespaces.Ip("-n", name, "addr", "add", address, "dev", "eth0");
        }
        TestNamespaces.Ip("-n", name, "link", "set", "eth0", "up");
        return host;
    }

    /// <summary>A namespace off the bridge with only <c>lo</c>, up: a pod for the CNI plugins to wire.</summary>
    public NetworkNamespace AddPod()
    {
        var pod = _namespaces.Add();
        TestNamespaces.Ip("-n", TestNamespaces.NameOf(pod), "link", "set", "lo", "up");
        return pod;
    }

    /// <summary><c>ip -n HOST ARGS</c>.</summary>
    public static string Ip(NetworkNamespace host, params string[] args) => TestNamespaces.Ip(["-n", TestNamespaces.NameOf(host), .. args]);

    public void Dispose() => _namespaces.Dispose();
}
