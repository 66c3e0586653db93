using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CniNet.Linux;
using CniNet.Tests.Integration.Linux;

namespace CniNet.Tests.Integration.Cni;

/// <summary>
/// A node for CNI tests: a network namespace playing the host (loopback up, forwarding on, an address of its own on
/// <c>lo</c> for pods to reach), a real SQLite store with a pool, and pod namespaces. The plugins run inside the node
/// namespace exactly as a runtime runs them: environment and stdin in, JSON out. Everything is deleted on dispose.
/// </summary>
public sealed class CniNode : IAsyncDisposable
{
    public const string NodeName = "node-1";
    public const string NodeAddress = "192.168.50.1";
    public const string Network = "k8s-pod-network";

    private readonly TestNamespaces _namespaces;
    private readonly bool _ownsStore;

    public CniNode(string pool = "10.65.0.0/16", int blockSize = 26)
        : this(new TestStore(), NodeName, "lx", ownsStore: true)
    {
        Store.ApplyAsync(Yaml.Pool("default-pool", pool, blockSize)).GetAwaiter().GetResult();
    }

    /// <summary>
    /// The node <paramref name="name"/> on <paramref name="store"/>, which other nodes may share (its owner disposes
    /// it); namespaces are named with <paramref name="tag"/>.
    /// </summary>
    public CniNode(TestStore store, string name, string tag)
        : this(store, name, tag, ownsStore: false)
    {
    }

    private CniNode(TestStore store, string name, string tag, bool ownsStore)
    {
        Store = store;
        Name = name;
        _ownsStore = ownsStore;
        _namespaces = new TestNamespaces(tag);
        try
        {
            Host = _namespaces.Add();
            var setup = TestNamespaces.Exec(Host, Path.Combine(OutBin.RepositoryRoot, "scripts", "node-netns.sh"), TestNamespaces.NameOf(Host), NodeAddress);
            if (setup.ExitCode != 0) throw new InvalidOperationException($"node-netns.sh failed: {setup.Stderr}");
            TestNamespaces.Exec(Host, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
            HostNetlink = _namespaces.Netlink(Host);
        }
        catch
        {
            _namespaces.Dispose();
            throw;
        }
    }

    /// <summary>The Calico node name the plugins are configured with.</summary>
    public string Name { get; }

    public TestStore Store { get; }

    public NetworkNamespace Host { get; }

    public Rtnetlink HostNetlink { get; }

    public string LogFile => Path.Combine(Store.Directory, "cni.log");

    /// <summary>A new pod network namespace (loopback up), and a netlink socket inside it.</summary>
    public (NetworkNamespace Ns, Rtnetlink Netlink) Pod()
    {
        var ns = _namespaces.Add();
        TestNamespaces.Exec(ns, "ip", "link", "set", "lo", "up");
        return (ns, _namespaces.Netlink(ns));
    }

    /// <summary>Calico's netconf for the test store, with per-test files; <paramref name="change"/> edits it.</summary>
    public JsonObject Config(string cniVersion = "1.0.0", Action<JsonObject>? change = null)
    {
        var conf = Netconf(Name, Store, cniVersion);
        conf["log_file_path"] = LogFile;
        change?.Invoke(conf);
        return conf;
    }

    /// <summary>Calico's netconf for node <paramref name="nodeName"/> on <paramref name="store"/>, logging to <c>cni.log</c> beside it.</summary>
    public static JsonObject Netconf(string nodeName, TestStore store, string cniVersion = "1.0.0") => new()
    {
        ["cniVersion"] = cniVersion,
        ["name"] = Network,
        ["type"] = "calico",
        ["nodename"] = nodeName,
        ["sqlite_path"] = store.Path,
        ["log_file_path"] = Path.Combine(store.Directory, "cni.log"),
        ["log_level"] = "debug",
        ["ipam_lock_file"] = Path.Combine(store.Directory, "ipam.lock"),
        ["ipam"] = new JsonObject { ["type"] = "calico-ipam" },
        ["policy"] = new JsonObject { ["type"] = "k8s" },
    };

    public static string KubeletArgs(string ns, string pod) =>
        $"IgnoreUnknown=1;K8S_POD_NAMESPACE={ns};K8S_POD_NAME={pod};K8S_POD_INFRA_CONTAINER_ID=infra;K8S_POD_UID=uid-{pod}";

    public sealed record Response(int ExitCode, string Stdout, string Stderr)
    {
        public JsonNode Json => JsonNode.Parse(Stdout) ?? throw new InvalidOperationException("empty stdout");

        public int ErrorCode => ExitCode == 0 ? 0 : Json["code"]!.GetValue<int>();
    }

    /// <summary>Runs <paramref name="plugin"/> inside the node namespace with the CNI environment and <paramref name="stdin"/>.</summary>
    public Response Invoke(string command, string stdin, string containerId = "", string netns = "", string ifName = "eth0",
        string? cniArgs = null, string plugin = "calico", IReadOnlyDictionary<string, string?>? env = null) =>
        InvokeIn(Host, command, stdin, containerId, netns, ifName, cniArgs, plugin, env);

    /// <summary>Runs <paramref name="plugin"/> inside the node namespace <paramref name="host"/>, as <see cref="Invoke"/> does in <see cref="Host"/>.</summary>
    public static Response InvokeIn(NetworkNamespace host, string command, string stdin, string containerId = "", string netns = "",
        string ifName = "eth0", string? cniArgs = null, string plugin = "calico", IReadOnlyDictionary<string, string?>? env = null)
    {
        using var process = StartIn(host, command, stdin, containerId, netns, ifName, cniArgs, plugin, env);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(true);
            throw new TimeoutException($"{plugin} {command} did not finish in 60 s");
        }
        return new Response(process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>
    /// Starts the plugin and hands it its stdin. <c>ip netns exec</c> execs the plugin in place, so the process is the
    /// plugin itself (a kill reaches it, not a wrapper).
    /// </summary>
    public Process Start(string command, string stdin, string containerId = "", string netns = "", string ifName = "eth0",
        string? cniArgs = null, string plugin = "calico", IReadOnlyDictionary<string, string?>? env = null) =>
        StartIn(Host, command, stdin, containerId, netns, ifName, cniArgs, plugin, env);

    private static Process StartIn(NetworkNamespace host, string command, string stdin, string containerId, string netns, string ifName,
        string? cniArgs, string plugin, IReadOnlyDictionary<string, string?>? env)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "netns", "exec", TestNamespaces.NameOf(host), OutBin.PathOf(plugin) }) info.ArgumentList.Add(a);
        info.Environment.Remove("DATASTORE_TYPE");
        info.Environment.Remove("SQLITE_PATH");
        info.Environment["CNI_COMMAND"] = command;
        info.Environment["CNI_CONTAINERID"] = containerId;
        info.Environment["CNI_NETNS"] = netns;
        info.Environment["CNI_IFNAME"] = ifName;
        info.Environment["CNI_ARGS"] = cniArgs ?? "";
        info.Environment["CNI_PATH"] = $"{OutBin.Dir}:/usr/lib/cni";
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            if (v is null) info.Environment.Remove(k);
            else info.Environment[k] = v;
        }
        var process = Process.Start(info)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        return process;
    }

    /// <summary>ADD for a kubelet-style pod; the config is given a prevResult-free copy of <paramref name="conf"/>.</summary>
    public Response Add(JsonObject conf, string containerId, NetworkNamespace pod, string ns = "default", string? podName = null) =>
        Invoke("ADD", conf.ToJsonString(), containerId, pod.Path, cniArgs: KubeletArgs(ns, podName ?? containerId));

    public Response Del(JsonObject conf, string containerId, string netns, string ns = "default", string? podName = null, JsonNode? prevResult = null) =>
        Invoke("DEL", WithPrev(conf, prevResult), containerId, netns, cniArgs: KubeletArgs(ns, podName ?? containerId));

    public static string WithPrev(JsonObject conf, JsonNode? prevResult)
    {
        var copy = (JsonObject)conf.DeepClone();
        if (prevResult is not null) copy["prevResult"] = prevResult.DeepClone();
        return copy.ToJsonString();
    }

    /// <summary>Links in the node namespace other than loopback: what a failed ADD must not leave behind.</summary>
    public IReadOnlyList<string> HostLinks() => HostNetlink.ListLinks().Where(l => l.Name is not ("lo" or "uplink0" or "uplink1")).Select(l => l.Name).ToList();

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;

    public async ValueTask DisposeAsync()
    {
        _namespaces.Dispose();
        if (_ownsStore) await Store.DisposeAsync();
    }
}
