using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using CniNet.Datastore;
using CniNet.Model.Documents;
using CniNet.Model.Network;
using CniNet.Model.Policy;
using CniNet.Model.Resources;

namespace CniNet.Ctl;

/// <summary><c>apply|create|replace|delete -f FILE</c>, <c>delete KIND NAME</c> and <c>get KIND [NAME]</c>, as calicoctl has them.</summary>
internal static class ResourceCommands
{
    public static Command Apply() => Write("apply", "Apply resources from a file (create or replace)", (c, r) => c.ApplyAsync(r), "applied");

    public static Command Create() => Write("create", "Create resources from a file", (c, r) => c.CreateAsync(r), "created");

    public static Command Replace() => Write("replace", "Replace existing resources from a file", (c, r) => c.ReplaceAsync(r), "replaced");

    private static Option<string> FileOption(bool required) =>
        new("--filename", "-f") { Description = "YAML or JSON file of resources ('-' for standard input)", Required = required };

    private static Command Write(string name, string description, Func<ResourceClient, Resource, Task<Resource>> write, string done)
    {
        var file = FileOption(required: true);
        var command = new Command(name, description) { file };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async store =>
        {
            var resources = ResourceDocuments.Parse(CommandRunner.ReadInput(parse.GetValue(file)!));
            var client = new ResourceClient(store);
            // Everything is checked before anything is written, so a bad document leaves the store untouched.
            await client.ValidateAllAsync(resources, ct);
            foreach (var resource in resources) await write(client, resource);
            foreach (var group in resources.GroupBy(r => r.Kind))
                Console.WriteLine($"Successfully {done} {group.Count()} '{group.Key}' resource(s)");
            return 0;
        }));
        return command;
    }

    public static Command Delete()
    {
        var file = FileOption(required: false);
        var kind = new Argument<string?>("kind") { Arity = ArgumentArity.ZeroOrOne, Description = "resource kind" };
        var name = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne, Description = "resource name" };
        var ns = NamespaceOption();
        var command = new Command("delete", "Delete resources named in a file, or one resource by kind and name") { kind, name, file, ns };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async store =>
        {
            var client = new ResourceClient(store);
            var targets = parse.GetValue(file) is { } path
                ? ResourceDocuments.Parse(CommandRunner.ReadInput(path)).Select(r => (DocumentKind(r), r.Metadata.Name, r.Metadata.Namespace)).ToList()
                : [(Kind(parse.GetValue(kind) ?? throw new ArgumentException("name a kind and a name, or give -f FILE")),
                    parse.GetValue(name) ?? throw new ArgumentException("name the resource to delete"), parse.GetValue(ns))];
            foreach (var (k, n, s) in targets) await client.DeleteAsync(k, n, s, ct);
            foreach (var group in targets.GroupBy(t => t.Item1.Kind))
                Console.WriteLine($"Successfully deleted {group.Count()} '{group.Key}' resource(s)");
            return 0;
        }));
        return command;
    }

    public static Command Get()
    {
        var kind = new Argument<string>("kind") { Description = "resource kind (e.g. ippool, node, ipamconfiguration)" };
        var name = new Argument<string?>("name") { Arity = ArgumentArity.ZeroOrOne, Description = "resource name" };
        var output = new Option<string>("--output", "-o") { Description = "ps (default), wide, yaml or json", DefaultValueFactory = _ => "ps" };
        var ns = NamespaceOption();
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "list namespaced resources in every namespace" };
        var command = new Command("get", "Show resources") { kind, name, output, ns, all };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async store =>
        {
            var k = Kind(parse.GetValue(kind)!);
            var client = new ResourceClient(store);
            var format = parse.GetValue(output)!;
            if (parse.GetValue(name) is { } n)
            {
                var resource = await client.GetAsync(k, n, parse.GetValue(ns), ct)
                               ?? throw new DatastoreException(DatastoreErrorCode.NotFound, $"resource does not exist: {k.Kind}({n})");
                Print(k, [resource], format, single: true);
            }
            else
            {
                var items = await client.ListAsync(k, parse.GetValue(all) ? null : parse.GetValue(ns) ?? (k.Namespaced ? "default" : null), ct);
                Print(k, items, format, single: false);
            }
            return 0;
        }));
        return command;
    }

    private static Option<string?> NamespaceOption() => new("--namespace", "-n") { Description = "namespace of namespaced resources (default: default)" };

    private static ResourceKind Kind(string name) =>
        ResourceKinds.ForName(name) ?? throw new ArgumentException($"resource type '{name}' is not supported");

    /// <summary>A document's kind by apiVersion too: <c>networking.k8s.io/v1</c> and Calico's NetworkPolicy share a name.</summary>
    private static ResourceKind DocumentKind(Resource resource) =>
        ResourceKinds.ForDocument(resource.ApiVersion, resource.Kind) ?? Kind(resource.Kind);

    private static void Print(ResourceKind kind, IReadOnlyList<Resource> items, string format, bool single)
    {
        switch (format)
        {
            case "yaml":
                Console.Write(ResourceDocuments.ToYaml([single ? Node(kind, items[0]) : ListNode(kind, items)]));
                break;
            case "json":
                Console.WriteLine((single ? Node(kind, items[0]) : ListNode(kind, items)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                break;
            case "ps" or "wide":
                var (headers, cells) = Columns(kind, format == "wide");
                Console.Write(TableWriter.Render(headers, items.Select(cells), borders: false));
                break;
            default:
                throw new ArgumentException($"unknown output format '{format}' (ps, wide, yaml, json)");
        }
    }

    private static JsonNode Node(ResourceKind kind, Resource resource) => JsonSerializer.SerializeToNode(resource, kind.TypeInfo)!;

    private static JsonNode ListNode(ResourceKind kind, IReadOnlyList<Resource> items) => new JsonObject
    {
        ["apiVersion"] = kind.ApiVersion,
        ["kind"] = kind.Kind + "List",
        ["items"] = new JsonArray(items.Select(i => (JsonNode?)Node(kind, i)).ToArray()),
    };

    private static (string[] Headers, Func<Resource, IReadOnlyList<string>> Cells) Columns(ResourceKind kind, bool wide)
    {
        if (kind == ResourceKinds.IPPool)
        {
            return wide
                ? (["NAME", "CIDR", "NAT", "IPIPMODE", "VXLANMODE", "DISABLED", "DISABLEBGPEXPORT", "SELECTOR"], r =>
                {
                    var s = ((IPPool)r).Spec;
                    return [r.Metadata.Name, s.Cidr, Bool(s.NatOutgoing), s.IpipMode ?? "Never", s.VxlanMode ?? "Never", Bool(s.Disabled), Bool(s.DisableBGPExport), s.NodeSelector ?? "all()"];
                })
                : (["NAME", "CIDR", "SELECTOR"], r => [r.Metadata.Name, ((IPPool)r).Spec.Cidr, ((IPPool)r).Spec.NodeSelector ?? "all()"]);
        }
        if (kind == ResourceKinds.Node && wide)
        {
            return (["NAME", "ASN", "IPV4", "IPV6"], r =>
            {
                var bgp = ((Node)r).Spec.Bgp;
                return [r.Metadata.Name, bgp?.AsNumber?.ToString() ?? "(64512)", bgp?.IPv4Address ?? "", bgp?.IPv6Address ?? ""];
            });
        }
        if (kind == PolicyKinds.WorkloadEndpoint)
        {
            // calicoctl's columns: the workload (pod), its node, its addresses and its host-side interface.
            static string[] Endpoint(Resource r, bool withName)
            {
                var s = ((WorkloadEndpoint)r).Spec;
                var cells = new List<string> { r.Metadata.Namespace ?? "" };
                if (withName) cells.Add(r.Metadata.Name);
                cells.AddRange([s.Pod ?? s.Workload ?? "", s.Node ?? "", string.Join(',', s.IPNetworks ?? []), s.InterfaceName ?? ""]);
                if (withName) cells.Add(string.Join(',', s.Profiles ?? []));
                return [.. cells];
            }
            return wide
                ? (["NAMESPACE", "NAME", "WORKLOAD", "NODE", "NETWORKS", "INTERFACE", "PROFILES"], r => Endpoint(r, true))
                : (["NAMESPACE", "WORKLOAD", "NODE", "NETWORKS", "INTERFACE"], r => Endpoint(r, false));
        }
        return kind.Namespaced
            ? (["NAMESPACE", "NAME"], r => [r.Metadata.Namespace ?? "", r.Metadata.Name])
            : (["NAME"], r => [r.Metadata.Name]);
    }

    private static string Bool(bool value) => value ? "true" : "false";
}
