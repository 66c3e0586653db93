using CniNet.Linux;
using Xunit;

namespace CniNet.Tests.Integration.Linux;

/// <summary>Entering namespaces on the calling thread, and the sysctls that resolve against it.</summary>
public sealed class NetworkNamespaceTests
{
    private static string CurrentThreadNamespace() => new FileInfo("/proc/thread-self/ns/net").LinkTarget!;

    [Fact]
    public void Opening_a_missing_namespace_fails_with_ENOENT()
    {
        var path = TestNamespaces.PathOf($"cninet-lx-missing-{Guid.NewGuid():N}");

        var e = Assert.Throws<LinuxException>(() => NetworkNamespace.Open(path));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("ENOENT", e.ErrnoName);
        Assert.Equal(path, e.Target);
        Assert.Equal($"open netns {path}: No such file or directory (ENOENT)", e.Message);
    }

    [Fact]
    public void Run_enters_the_namespace_and_restores_the_thread_even_when_the_action_throws()
    {
        using var namespaces = new TestNamespaces();
        var ns = namespaces.Add();
        var home = CurrentThreadNamespace();
        var target = ReadNamespaceOf(ns);

        var inside = ns.Run(CurrentThreadNamespace);
        Assert.Throws<InvalidOperationException>(() => ns.Run(() => throw new InvalidOperationException("boom")));

        Assert.Equal(target, inside);
        Assert.NotEqual(home, inside);
        Assert.Equal(home, CurrentThreadNamespace());
    }

    [Fact]
    public void Sysctl_writes_inside_a_namespace_land_there_and_nowhere_else()
    {
        using var namespaces = new TestNamespaces();
        var a = namespaces.Add();
        var b = namespaces.Add();
        namespaces.Netlink(a).CreateVethPair("cali5ysctl", "peer5ysctl", null, 1500);

        a.Run(() => Sysctl.Write("net/ipv4/ip_forward", "1"));
        a.Run(() => Sysctl.Write("net/ipv4/conf/cali5ysctl/proxy_arp", "1"));

        Assert.Equal("1", a.Run(() => Sysctl.Read("net/ipv4/ip_forward")));
        Assert.Equal("0", b.Run(() => Sysctl.Read("net/ipv4/ip_forward")));
        Assert.Equal("1\n", TestNamespaces.Exec(a, "cat", "/proc/sys/net/ipv4/conf/cali5ysctl/proxy_arp").Stdout);
        Assert.Equal("1\n", TestNamespaces.Exec(a, "cat", "/proc/sys/net/ipv4/ip_forward").Stdout);
        Assert.Equal("0\n", TestNamespaces.Exec(b, "cat", "/proc/sys/net/ipv4/ip_forward").Stdout);
        var missing = Assert.Throws<LinuxException>(() => b.Run(() => Sysctl.Write("net/ipv4/conf/cali5ysctl/proxy_arp", "1")));
        Assert.Equal(Errno.ENOENT, missing.Errno);
    }

    [Fact]
    public void Sysctl_paths_must_stay_under_proc_sys()
    {
        Assert.Throws<ArgumentException>(() => Sysctl.Read("/etc/passwd"));
        Assert.Throws<ArgumentException>(() => Sysctl.Read("net/../../etc/passwd"));
        Assert.Throws<ArgumentException>(() => Sysctl.Read("net//ipv4"));
    }

    private static string ReadNamespaceOf(NetworkNamespace ns) =>
        TestNamespaces.Exec(ns, "readlink", "/proc/self/ns/net").Stdout.Trim();
}
