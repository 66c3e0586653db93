using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Net;

namespace CniNet.Ctl;

/// <summary><c>ipam show|check|configure|release</c> as calicoctl has them, and <c>ipam assign</c> for addresses handed out by hand.</summary>
internal static class IpamCommands
{
    public static Command Build() => new("ipam", "IP address management") { Show(), Check(), Configure(), Release(), Assign() };

    private static Command Show()
    {
        var blocks = new Option<bool>("--show-blocks") { Description = "show a row per block under its pool" };
        var borrowed = new Option<bool>("--show-borrowed") { Description = "show addresses borrowed from other nodes' blocks" };
        var configuration = new Option<bool>("--show-configuration") { Description = "show the IPAM settings" };
        var ip = new Option<string?>("--ip") { Description = "show who holds one address" };
        var command = new Command("show", "Show IPAM utilization, blocks, borrowed addresses, settings or one address") { blocks, borrowed, configuration, ip };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async store =>
        {
            if (parse.GetValue(ip) is { } address) await ShowIp(store, address, ct);
            else if (parse.GetValue(configuration)) await ShowConfiguration(store, ct);
            else if (parse.GetValue(borrowed)) await ShowBorrowed(store, ct);
            else await ShowUtilization(store, parse.GetValue(blocks), ct);
            return 0;
        }));
        return command;
    }

    private static async Task ShowUtilization(IDatastore store, bool showBlocks, CancellationToken ct)
    {
        var report = await new IpamReports(store).GetUtilizationAsync(ct);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var pool in report.Pools)
        {
            rows.Add(Row("IP Pool", pool.Cidr, pool.Total, pool.InUse, pool.Reserved, pool.Free));
            if (showBlocks) rows.AddRange(pool.Blocks.Select(BlockRow));
        }
        if (showBlocks) rows.AddRange(report.OrphanBlocks.Select(b => BlockRow(b) is var r ? (IReadOnlyList<string>)["Orphan", .. r.Skip(1)] : r));
        Console.Write(TableWriter.Render(["GROUPING", "CIDR", "IPS TOTAL", "IPS IN USE", "IPS RESERVED", "IPS FREE"], rows));
    }

    private static IReadOnlyList<string> BlockRow(BlockUtilization b) =>
        Row("Block", b.Cidr, (UInt128)b.Total, (UInt128)b.InUse, (UInt128)b.Reserved, (UInt128)b.Free);

    private static IReadOnlyList<string> Row(string grouping, Cidr cidr, UInt128 total, UInt128 inUse, UInt128 reserved, UInt128 free) =>
        [grouping, cidr.ToString(), Number(total), WithPercent(inUse, total), WithPercent(reserved, total), WithPercent(free, total)];

    /// <summary>Go's <c>%.5g</c>, which calicoctl uses so IPv6 pool sizes stay readable.</summary>
    private static string Number(UInt128 value)
    {
        var d = (double)value;
        return d < 1e5 ? value.ToString() : d.ToString("0.####e+00", CultureInfo.InvariantCulture);
    }

    private static string WithPercent(UInt128 value, UInt128 total) =>
        $"{Number(value)} ({(total == 0 ? 0 : Math.Round((double)value * 100 / (double)total, MidpointRounding.ToEven)):0}%)";

    private static async Task ShowBorrowed(IDatastore store, CancellationToken ct)
    {
        var (entries, _) = await store.ListAsync(Model.Resources.ResourceKinds.IPAMBlock.StoreKind, ct: ct);
        var rows = new List<IReadOnlyList<string>>();
        var withoutNode = 0;
        foreach (var entry in entries)
        {
            var block = IpamBlock.FromSpec(Datastore.ResourceCodec.Decode<Model.Ipam.IPAMBlock>(Model.Resources.ResourceKinds.IPAMBlock, entry).Spec);
            foreach (var (ordinal, attribute) in block.Allocations())
            {
                if (attribute.ReleasedAt is not null || attribute.HandleId == HostReservedAttr.WindowsHandle) continue;
                var attrs = attribute.Secondary ?? [];
                if (!attrs.TryGetValue("node", out var node))
                {
                    withoutNode++;
                    continue;
                }
                if (node == block.AffinityHost) continue;
                var type = attrs.GetValueOrDefault("type") ?? (attrs.ContainsKey("vmi-name") ? "vmi" : "pod");
                var owner = attrs.TryGetValue("pod", out var pod) ? $"{attrs.GetValueOrDefault("namespace")}/{pod}"
                    : attrs.TryGetValue("vmi-name", out var vmi) ? $"{attrs.GetValueOrDefault("namespace")}/{vmi}" : "";
                rows.Add([block.AddressOf(ordinal).ToString(), node, block.Cidr.ToString(), block.AffinityHost ?? "", type, owner]);
            }
        }
        Console.Write(TableWriter.Render(["IP", "BORROWING-NODE", "BLOCK", "BLOCK OWNER", "TYPE", "ALLOCATED-TO"], rows));
        if (withoutNode > 0) Console.WriteLine($"* {withoutNode} allocation(s) have no node attribute and cannot be classified");
    }

    private static async Task ShowConfiguration(IDatastore store, CancellationToken ct)
    {
        var config = await new IpamClient(store).GetConfigAsync(ct);
        Console.Write(TableWriter.Render(["PROPERTY", "VALUE"],
        [
            ["StrictAffinity", config.StrictAffinity ? "true" : "false"],
            ["AutoAllocateBlocks", config.AutoAllocateBlocks ? "true" : "false"],
            ["MaxBlocksPerHost", config.MaxBlocksPerHost.ToString(CultureInfo.InvariantCulture)],
            ["KubeVirtVMAddressPersistence", config.KubeVirtVMAddressPersistence ?? "Enabled"],
            ["IPCooldownSeconds", config.IpCooldownSeconds.ToString(CultureInfo.InvariantCulture)],
        ]));
    }

    private static async Task ShowIp(IDatastore store, string text, CancellationToken ct)
    {
        var address = IPAddress.TryParse(text, out var a) ? a : throw new FormatException($"invalid IP address \"{text}\"");
        if (await new IpamClient(store).GetAssignmentAttributesAsync(address, ct) is not { } held || held.Attribute.ReleasedAt is not null)
        {
            Console.WriteLine($"IP {address} is not assigned");
            return;
        }
        Console.WriteLine($"IP {address} is in use");
        Console.WriteLine($"Handle ID: {held.Attribute.HandleId}");
        Console.WriteLine("Active Owner Attributes:");
        foreach (var (k, v) in (held.Attribute.Secondary ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal)) Console.WriteLine($"  {k}: {v}");
        if (held.Attribute.AlternateOwnerAttrs is { Count: > 0 } alternate)
        {
            Console.WriteLine("Alternate Owner Attributes:");
            foreach (var (k, v) in alternate.OrderBy(kv => kv.Key, StringComparer.Ordinal)) Console.WriteLine($"  {k}: {v}");
        }
    }

    private static Command Check()
    {
        var output = new Option<string?>("--output", "-o") { Description = "also write the full report as JSON to this file" };
        var command = new Command("check", "Check IPAM for leaked addresses, broken blocks, handles and affinities") { output };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async store =>
        {
            Console.WriteLine("Checking IPAM for inconsistencies...");
            var report = await new IpamReports(store).CheckAsync(ct);
            Console.WriteLine($"Found {report.Blocks} IPAM blocks, {report.Affinities} affinities and {report.Handles} handles.");
            Console.WriteLine($"Found {report.Allocated} allocated addresses ({report.CoolingDown} more cooling down).");
            Section("IPs that are allocated in IPAM but not actually in use", report.LeakedAddresses.Select(l => $"{l.Ip} (handle {l.Handle}): {l.Reason}"));
            Section("IPs allocated in more than one block", report.Duplicates);
            Section("structurally invalid blocks", report.InvalidBlocks);
            Section("blocks outside every IP pool", report.OrphanBlocks);
            Section("blocks without a block affinity", report.BlocksWithoutAffinity);
            Section("stale block affinities", report.StaleAffinities);
            Section("handles with no IPs", report.HandlesWithoutAddresses);
            Section("handles referenced by blocks but missing", report.MissingHandles);
            Section("handles whose counts disagree with the blocks", report.HandleCountMismatches);
            if (parse.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, CtlJsonContext.Default.IpamCheckReport), ct);
                Console.WriteLine($"Report written to {path}");
            }
            Console.WriteLine($"Check complete; found {report.ProblemCount} problems.");
            return 0;
        }));
        return command;
    }

    private static void Section(string title, IEnumerable<string> lines)
    {
        var list = lines.ToList();
        Console.WriteLine($"Found {list.Count} {title}.");
        foreach (var line in list) Console.WriteLine($"  {line}");
    }

    private static Command Configure()
    {
        var strict = new Option<bool?>("--strictaffinity") { Description = "never borrow addresses from other nodes' blocks" };
        var maxBlocks = new Option<int?>("--max-blocks-per-host") { Description = "blocks a node may own per IP family (0: Calico's implicit 20)" };
        var cooldown = new Option<int?>("--ip-cooldown-seconds") { Description = "seconds a released address waits before reuse" };
        var kubevirt = new Option<string?>("--kubevirt-ip-persistence") { Description = "Enabled or Disabled" };
        var command = new Command("configure", "Change IPAM settings") { strict, maxBlocks, cooldown, kubevirt };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async store =>
        {
            var client = new IpamClient(store);
            var config = await client.GetConfigAsync(ct);
            config.StrictAffinity = parse.GetValue(strict) ?? config.StrictAffinity;
            config.MaxBlocksPerHost = parse.GetValue(maxBlocks) ?? config.MaxBlocksPerHost;
            config.IpCooldownSeconds = parse.GetValue(cooldown) ?? config.IpCooldownSeconds;
            config.KubeVirtVMAddressPersistence = parse.GetValue(kubevirt) ?? config.KubeVirtVMAddressPersistence;
            await client.SetConfigAsync(config, ct);
            Console.WriteLine("Successfully set IPAM configuration");
            return 0;
        }));
        return command;
    }

    private static Command Release()
    {
        var ip = new Option<string?>("--ip") { Description = "address to release" };
        var handle = new Option<string?>("--handle") { Description = "release every address of this handle" };
        var command = new Command("release", "Release an address, or every address of a handle") { ip, handle };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async store =>
        {
            var client = new IpamClient(store);
            if (parse.GetValue(handle) is { } h)
            {
                Console.WriteLine(await client.ReleaseByHandleAsync(h, ct) ? $"Successfully released handle {h}" : $"Handle {h} does not exist");
                return 0;
            }
            var address = IPAddress.TryParse(parse.GetValue(ip) ?? throw new ArgumentException("give --ip or --handle"), out var a)
                ? a : throw new FormatException($"invalid IP address \"{parse.GetValue(ip)}\"");
            var notAllocated = await client.ReleaseIPsAsync([new ReleaseRequest(address)], ct);
            if (notAllocated.Count > 0) throw new ArgumentException($"IP address {address} is not assigned");
            Console.WriteLine($"Successfully released IP address {address}");
            return 0;
        }));
        return command;
    }

    private static Command Assign()
    {
        var node = new Option<string>("--node") { Description = "node the addresses are for", Required = true };
        var count = new Option<int>("--count") { Description = "number of separate assignments (one handle each)", DefaultValueFactory = _ => 1 };
        var handle = new Option<string>("--handle") { Description = "handle ID; with --count N, the prefix of N handles", DefaultValueFactory = _ => "manual" };
        var v4 = new Option<int>("--ipv4") { Description = "IPv4 addresses per assignment", DefaultValueFactory = _ => 1 };
        var v6 = new Option<int>("--ipv6") { Description = "IPv6 addresses per assignment" };
        var ns = new Option<string?>("--namespace") { Description = "namespace attribute (and namespaceSelector input)" };
        var pod = new Option<string?>("--pod") { Description = "pod attribute" };
        var pool = new Option<string[]>("--pool") { Description = "use only these pools (CIDRs)", AllowMultipleArgumentsPerToken = true };
        var ip = new Option<string?>("--ip") { Description = "assign this exact address instead" };
        var conflicts = new Option<bool>("--conflicts")
        {
            Description = "print to stderr, at the end, how many compare-and-swap commits were lost to other writers and retried",
        };
        var command = new Command("assign", "Hand out addresses (for workloads managed outside the CNI plugin)") { node, count, handle, v4, v6, ns, pod, pool, ip, conflicts };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(async store =>
        {
            var client = new IpamClient(store);
            var n = parse.GetValue(count);
            for (var i = 0; i < n; i++)
            {
                var handleId = n == 1 ? parse.GetValue(handle)! : $"{parse.GetValue(handle)}-{i}";
                var attrs = new Dictionary<string, string> { ["node"] = parse.GetValue(node)! };
                if (parse.GetValue(ns) is { } nsName) attrs["namespace"] = nsName;
                if (parse.GetValue(pod) is { } podName) attrs["pod"] = n == 1 ? podName : $"{podName}-{i}";
                if (parse.GetValue(ip) is { } explicitIp)
                {
                    var address = IPAddress.TryParse(explicitIp, out var a) ? a : throw new FormatException($"invalid IP address \"{explicitIp}\"");
                    await client.AssignIPAsync(new AssignIPArgs { IP = address, HandleId = handleId, Attrs = attrs, Hostname = parse.GetValue(node)! }, ct);
                    Console.WriteLine($"{handleId} {address}");
                    continue;
                }
                var pools = (parse.GetValue(pool) ?? []).Select(Cidr.Parse).ToList();
                var (r4, r6) = await client.AutoAssignAsync(new AutoAssignArgs
                {
                    Hostname = parse.GetValue(node)!, HandleId = handleId, Attrs = attrs, Num4 = parse.GetValue(v4), Num6 = parse.GetValue(v6),
                    IPv4Pools = pools.Where(p => !p.IsV6).ToList(), IPv6Pools = pools.Where(p => p.IsV6).ToList(), Namespace = parse.GetValue(ns),
                }, ct);
                if ((r4.PartialFulfillmentError() ?? r6.PartialFulfillmentError()) is { } shortfall)
                {
                    await client.ReleaseByHandleAsync(handleId, ct);
                    throw new IpamException(IpamErrorCode.NoFreeBlocks, shortfall);
                }
                Console.WriteLine($"{handleId} {string.Join(" ", r4.IPs.Concat(r6.IPs).Select(c => c.NetworkAddress))}");
            }
            if (parse.GetValue(conflicts)) await Console.Error.WriteLineAsync($"conflicts: {client.Conflicts}");
            return 0;
        }));
        return command;
    }
}
