using System.CommandLine;
using System.Text;
using System.Text.Json;

namespace CniNet.Ctl;

/// <summary>
/// <c>install-cni</c>, as Calico's install-cni container does it: copies <c>calico</c> and <c>calico-ipam</c> into the
/// CNI binary directory (through a temporary file and a rename, so a running plugin is never overwritten in place)
/// and writes <c>10-calico.conflist</c>, which sorts before other runtimes' files so it is the one they load.
/// </summary>
internal static class InstallCniCommand
{
    /// <summary>
    /// The plugins, the executable they become when no node agent takes an invocation, and the SQLite library it loads
    /// from its own directory for the embedded store.
    /// </summary>
    public static readonly string[] Binaries = ["calico", "calico-ipam", Cni.CniRunner.ExecutableName, "libe_sqlite3.so"];

    public static Command Build()
    {
        var binDir = new Option<string>("--bin-dir") { Description = "where the runtime looks for plugins", DefaultValueFactory = _ => "/opt/cni/bin" };
        var confDir = new Option<string>("--conf-dir") { Description = "where the runtime reads network configurations", DefaultValueFactory = _ => "/etc/cni/net.d" };
        var sourceDir = new Option<string>("--source-dir") { Description = "where the plugin binaries are (default: beside cninetctl)", DefaultValueFactory = _ => AppContext.BaseDirectory };
        var nodename = new Option<string>("--nodename") { Description = "this node's name (default: the host name)", DefaultValueFactory = _ => Environment.MachineName };
        var sqlitePath = new Option<string>("--sqlite-path") { Description = "the embedded datastore file", DefaultValueFactory = _ => Datastore.Sqlite.SqliteDatastore.DefaultPath };
        var network = new Option<string>("--network-name") { Description = "the network (and IPAM handle prefix)", DefaultValueFactory = _ => "k8s-pod-network" };
        var mtu = new Option<int>("--mtu") { Description = "pod interface MTU (0: 1500)" };
        var command = new Command("install-cni", "Install the calico and calico-ipam plugins and write 10-calico.conflist")
        {
            binDir, confDir, sourceDir, nodename, sqlitePath, network, mtu,
        };
        command.SetAction(parse =>
        {
            try
            {
                var bins = parse.GetValue(binDir)!;
                Directory.CreateDirectory(bins);
                foreach (var binary in Binaries)
                {
                    var target = Path.Combine(bins, binary);
                    var staging = target + ".cninet-tmp";
                    File.Copy(Path.Combine(parse.GetValue(sourceDir)!, binary), staging, overwrite: true);
                    File.SetUnixFileMode(staging, (UnixFileMode)0b111_101_101);
                    File.Move(staging, target, overwrite: true);
                }
                var conf = parse.GetValue(confDir)!;
                Directory.CreateDirectory(conf);
                var file = Path.Combine(conf, "10-calico.conflist");
                File.WriteAllText(file, Conflist(parse.GetValue(network)!, parse.GetValue(nodename)!, parse.GetValue(sqlitePath)!, parse.GetValue(mtu)));
                Console.WriteLine($"installed {string.Join(", ", Binaries)} into {bins} and wrote {file}");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"install-cni failed: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>
    /// <c>cniVersion</c> 1.0.0 for runtimes built on libcni 1.1 (Debian's containerd and podman), and <c>cniVersions</c>
    /// so libcni 1.2 picks 1.1.0 and with it GC and STATUS.
    /// </summary>
    public static string Conflist(string network, string nodename, string sqlitePath, int mtu)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("name", network);
            w.WriteString("cniVersion", "1.0.0");
            w.WriteStartArray("cniVersions");
            foreach (var v in new[] { "0.3.1", "0.4.0", "1.0.0", "1.1.0" }) w.WriteStringValue(v);
            w.WriteEndArray();
            w.WriteStartArray("plugins");
            w.WriteStartObject();
            w.WriteString("type", "calico");
            w.WriteString("log_level", "info");
            w.WriteString("log_file_path", "/var/log/calico/cni/cni.log");
            w.WriteString("datastore_type", "sqlite");
            w.WriteString("sqlite_path", sqlitePath);
            w.WriteString("nodename", nodename);
            w.WriteNumber("mtu", mtu);
            w.WriteStartObject("ipam");
            w.WriteString("type", "calico-ipam");
            w.WriteEndObject();
            w.WriteStartObject("policy");
            w.WriteString("type", "k8s");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
