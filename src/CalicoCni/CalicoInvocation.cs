using CniNet.Cni;
using CniNet.Datastore;
using CniNet.Datastore.Sqlite;
using CniNet.IpamCore;
using CniNet.Model.Naming;

namespace CniNet.CalicoCni;

/// <summary>
/// What both Calico plugins derive from one request: the netconf, the log, the node name, and the workload's identity
/// (orchestrator, namespace, pod, handle, endpoint and interface names) exactly as Calico derives them.
/// </summary>
public sealed class CalicoInvocation
{
    public const string DefaultNodenameFile = "/var/lib/calico/nodename";
    public const string DefaultLockFile = "/var/run/calico/ipam.lock";
    public const string DefaultLogFile = "/var/log/calico/cni/cni.log";

    /// <summary>CNI_ARGS keys Calico reads; the rest need IgnoreUnknown.</summary>
    public static readonly IReadOnlyCollection<string> KnownArgs =
        ["K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID", "IP"];

    private readonly Func<DatastoreConfig, IDatastore> _openStore;
    private readonly Func<IDatastore, IpamClient>? _sharedIpam;

    private CalicoInvocation(CniRequest request, CalicoNetConf conf, CniLog log, Func<DatastoreConfig, IDatastore> openStore,
        Func<IDatastore, IpamClient>? sharedIpam)
    {
        Request = request;
        Conf = conf;
        Log = log;
        _openStore = openStore;
        _sharedIpam = sharedIpam;
        var ns = request.Args["K8S_POD_NAMESPACE"];
        var pod = request.Args["K8S_POD_NAME"];
        IsKubernetes = !string.IsNullOrEmpty(ns) && !string.IsNullOrEmpty(pod);
        Namespace = IsKubernetes ? ns! : "default";
        Pod = IsKubernetes ? pod! : "";
    }

    public CniRequest Request { get; }

    public CalicoNetConf Conf { get; }

    public CniLog Log { get; }

    /// <summary>Both K8S_POD_NAMESPACE and K8S_POD_NAME given: orchestrator <c>k8s</c>; otherwise <c>cni</c>.</summary>
    public bool IsKubernetes { get; }

    public string Orchestrator => IsKubernetes ? "k8s" : "cni";

    public string Namespace { get; }

    public string Pod { get; }

    public string Node { get; private set; } = "";

    /// <summary>Calico's IPAM handle: <c>&lt;network name&gt;.&lt;container ID&gt;</c>.</summary>
    public string HandleId => $"{Conf.Name}.{Request.ContainerId}";

    /// <summary>The handle Calico used before handles carried the network name (released on DEL too).</summary>
    public string LegacyHandleId => IsKubernetes ? $"{Namespace}.{Pod}" : Request.ContainerId;

    public string LockFile => string.IsNullOrEmpty(Conf.IpamLockFile) ? DefaultLockFile : Conf.IpamLockFile;

    /// <param name="sharedIpam">The node agent's IPAM client for a store it keeps open; null in a plugin process.</param>
    public static CalicoInvocation From(CniRequest request, Func<DatastoreConfig, IDatastore> openStore, Func<IDatastore, IpamClient>? sharedIpam)
    {
        var conf = CalicoNetConf.Parse(request.ConfigBytes);
        var log = new CniLog(string.IsNullOrEmpty(conf.LogFilePath) ? DefaultLogFile : conf.LogFilePath, CniLog.ParseLevel(conf.LogLevel));
        var invocation = new CalicoInvocation(request, conf, log, openStore, sharedIpam);
        invocation.Node = invocation.ResolveNode();
        return invocation;
    }

    /// <summary>
    /// The IPAM client for <paramref name="store"/>: in a plugin process a fresh one (seeded from the host lock's hints
    /// file); in the node agent the one it shares between invocations, whose queue commits a node's concurrent
    /// assignments together.
    /// </summary>
    public IpamClient Ipam(IDatastore store) => _sharedIpam?.Invoke(store) ?? new IpamClient(store);

    /// <summary>
    /// Calico's host-wide IPAM lock, taken by a plugin process. The node agent takes none: its shared client's queue
    /// already serialises (and batches) the node's assignments in its process, and compare-and-swap keeps any other
    /// writer (a plugin process that found no agent) correct.
    /// </summary>
    public HostLock? LockHost() => _sharedIpam is null ? HostLock.Acquire(LockFile) : null;

    /// <summary>
    /// Calico's precedence: <c>nodename</c>, then the file calico-node writes, then the host name. A missing file is an
    /// error unless <c>nodename_file_optional</c>, because a wrong node name silently misplaces every allocation.
    /// </summary>
    private string ResolveNode()
    {
        if (!string.IsNullOrEmpty(Conf.Nodename)) return Conf.Nodename;
        var file = string.IsNullOrEmpty(Conf.NodenameFile) ? DefaultNodenameFile : Conf.NodenameFile;
        if (File.Exists(file)) return File.ReadAllText(file).Trim();
        if (!Conf.NodenameFileOptional)
            throw new CniException(CniErrorCode.InvalidNetworkConfig,
                $"stat {file}: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/ (or set nodename in the network configuration)");
        return Environment.MachineName;
    }

    /// <summary>
    /// The datastore the Calico way: netconf <c>datastore_type</c>, <c>sqlite_path</c>, <c>etcd_endpoints</c> and the
    /// <c>etcd_*_file</c> TLS files, then the environment (<c>DATASTORE_TYPE</c>, <c>SQLITE_PATH</c>, <c>ETCD_*</c>).
    /// </summary>
    public IDatastore OpenStore()
    {
        var fromEnv = DatastoreConfig.FromEnvironment();
        var config = fromEnv with
        {
            Type = string.IsNullOrEmpty(Conf.DatastoreType) ? fromEnv.Type : Conf.DatastoreType,
            SqlitePath = string.IsNullOrEmpty(Conf.SqlitePath) ? fromEnv.SqlitePath : Conf.SqlitePath,
            EtcdEndpoints = string.IsNullOrEmpty(Conf.EtcdEndpoints) ? fromEnv.EtcdEndpoints : Conf.EtcdEndpoints,
            EtcdCaCertFile = string.IsNullOrEmpty(Conf.EtcdCaCertFile) ? fromEnv.EtcdCaCertFile : Conf.EtcdCaCertFile,
            EtcdCertFile = string.IsNullOrEmpty(Conf.EtcdCertFile) ? fromEnv.EtcdCertFile : Conf.EtcdCertFile,
            EtcdKeyFile = string.IsNullOrEmpty(Conf.EtcdKeyFile) ? fromEnv.EtcdKeyFile : Conf.EtcdKeyFile,
            Kubeconfig = string.IsNullOrEmpty(Conf.Kubernetes.Kubeconfig) ? fromEnv.Kubeconfig : Conf.Kubernetes.Kubeconfig,
        };
        try
        {
            return _openStore(config);
        }
        catch (Exception e) when (e is DatastoreException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new CniException(CniErrorCode.DatastoreFailure, $"cannot open the datastore ({config.Type} {config.SqlitePath}): {e.Message}");
        }
    }

    /// <summary>Calico's endpoint name: node, orchestrator, workload and endpoint, each with '-' doubled, joined by '-'.</summary>
    public string EndpointName => WorkloadNames.Endpoint(Node, Orchestrator, IsKubernetes ? Pod : Request.ContainerId, Request.IfName);

    /// <summary>
    /// The host-side veth: the prefix (<c>FELIX_INTERFACEPREFIX</c>'s first entry, default <c>cali</c>) and the first 11
    /// hex digits of sha1(<c>&lt;namespace&gt;.&lt;pod&gt;</c>), or of the container ID outside Kubernetes.
    /// </summary>
    public string HostVethName
    {
        get
        {
            var prefix = Request.Environment.GetValueOrDefault("FELIX_INTERFACEPREFIX")?.Split(',')[0] is { Length: > 0 } p ? p : WorkloadNames.DefaultInterfacePrefix;
            return IsKubernetes ? WorkloadNames.PodVeth(prefix, Namespace, Pod) : prefix + Request.ContainerId[..Math.Min(11, Request.ContainerId.Length)];
        }
    }
}
