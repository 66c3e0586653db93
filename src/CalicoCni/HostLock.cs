using System.Diagnostics;
using CniNet.IpamCore;
using CniNet.Model.Net;

namespace CniNet.CalicoCni;

/// <summary>
/// Calico's host-wide IPAM lock (<c>/var/run/calico/ipam.lock</c>): concurrent ADDs on one node nearly always target
/// the same block, so serialising them is cheaper than letting them thrash on compare-and-swap. Best effort, as in
/// Calico: when the file cannot be created the plugin goes on unlocked. The lock also guards a small node-local file
/// of the node's blocks that last had room, so a fresh plugin process can read them in its first round trip.
/// </summary>
public sealed class HostLock : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly FileStream? _file;
    private readonly string _hintsPath;

    private HostLock(FileStream? file, string hintsPath)
    {
        _file = file;
        _hintsPath = hintsPath;
    }

    /// <summary>
    /// Waits for the lock. .NET takes <c>flock(LOCK_EX|LOCK_NB)</c> for <see cref="FileShare.None"/>, so waiting is a
    /// short poll; under contention that costs well under a millisecond per waiter.
    /// </summary>
    public static HostLock Acquire(string path)
    {
        var hints = path + ".hints";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new HostLock(null, hints);
        }
        var waited = Stopwatch.StartNew();
        var pause = 1;
        while (true)
        {
            try
            {
                return new HostLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), hints);
            }
            catch (IOException) when (waited.Elapsed < Timeout)
            {
                Thread.Sleep(pause);
                pause = Math.Min(pause * 2, 20);
            }
            catch (UnauthorizedAccessException)
            {
                return new HostLock(null, hints);
            }
        }
    }

    /// <summary>Seeds <paramref name="ipam"/> with the node's preferred blocks from the hints file (absent or stale: no harm).</summary>
    public void LoadHints(IpamClient ipam, string node)
    {
        if (_file is null) return;
        try
        {
            var line = File.ReadLines(_hintsPath).FirstOrDefault(l => l.StartsWith(node + " ", StringComparison.Ordinal));
            if (line is null) return;
            var blocks = line[(node.Length + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries)
                .Select(t => Cidr.TryParse(t, out var c, out _) ? c : (Cidr?)null).OfType<Cidr>();
            ipam.Prefer(node, blocks);
        }
        catch (IOException)
        {
        }
    }

    public void SaveHints(IpamClient ipam, string node)
    {
        if (_file is null) return;
        try
        {
            File.WriteAllText(_hintsPath, $"{node} {string.Join(',', ipam.PreferredBlocks(node))}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public void Dispose() => _file?.Dispose();
}
