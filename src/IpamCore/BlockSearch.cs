using System.Text;
using CniNet.Model.Net;

namespace CniNet.IpamCore;

/// <summary>
/// The order in which a host tries a pool's blocks: from a start fixed by the host name (so a host comes back to the
/// same place and hosts spread out), then every block once with wrap-around. /32 and /128 blocks start from the
/// clock instead, as Calico does. The start is FNV-1a over the name, mixed by SplitMix64; Calico feeds FNV into Go's
/// math/rand, so the exact start differs but the properties are the same.
/// </summary>
public static class BlockSearch
{
    public static IEnumerable<Cidr> Candidates(Cidr pool, int blockSize, string host, TimeProvider clock)
    {
        if (blockSize < pool.PrefixLength) yield break;
        var count = BlockCount(pool, blockSize);
        var start = StartIndex(pool, blockSize, host, clock);
        var stride = Stride(pool, blockSize);
        for (UInt128 i = 0; i < count; i++)
        {
            var index = (start + i) % count;
            yield return new Cidr(pool.Address + index * stride, blockSize, pool.IsV6);
        }
    }

    /// <summary>Where <paramref name="block"/> comes in the host's walk over the pool (0 is tried first).</summary>
    public static UInt128 Position(Cidr pool, Cidr block, string host, TimeProvider clock)
    {
        var count = BlockCount(pool, block.PrefixLength);
        var index = (block.Address - pool.Address) / Stride(pool, block.PrefixLength);
        return (index + count - StartIndex(pool, block.PrefixLength, host, clock)) % count;
    }

    private static UInt128 BlockCount(Cidr pool, int blockSize)
    {
        var shift = blockSize - pool.PrefixLength;
        return shift >= 127 ? UInt128.MaxValue : UInt128.One << shift;
    }

    private static UInt128 Stride(Cidr pool, int blockSize) => UInt128.One << (pool.Bits - blockSize);

    private static UInt128 StartIndex(Cidr pool, int blockSize, string host, TimeProvider clock)
    {
        var seed = blockSize == pool.Bits ? (ulong)clock.GetUtcNow().UtcTicks : Fnv1a(host);
        return (UInt128)SplitMix64(seed) % BlockCount(pool, blockSize);
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return hash;
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
