using CniNet.Bgp.Wire;
using CniNet.Model.Net;

namespace CniNet.Bgp.Rib;

/// <summary>
/// What one peer has been sent (RFC 4271 §3.2 Adj-RIB-Out), so a change becomes the UPDATEs for what differs only:
/// announcements grouped by identical attributes and packed, then withdrawals. Not thread-safe.
/// </summary>
public sealed class AdjRibOut
{
    private readonly Dictionary<Cidr, Advertisement> _sent = [];

    public int Count => _sent.Count;

    /// <summary>Records <paramref name="wanted"/> (null: not advertised) for each prefix and returns the UPDATEs that bring the peer there.</summary>
    public IReadOnlyList<UpdateMessage> Sync(IEnumerable<(Cidr Prefix, Advertisement? Wanted)> wanted)
    {
        var announce = new Dictionary<(Advertisement, bool), List<Cidr>>();
        var withdraw = new List<Cidr>();
        foreach (var (prefix, route) in wanted)
        {
            var sent = _sent.GetValueOrDefault(prefix);
            if (Equals(sent, route)) continue;
            if (route is null)
            {
                _sent.Remove(prefix);
                withdraw.Add(prefix);
                continue;
            }
            _sent[prefix] = route;
            if (!announce.TryGetValue((route, prefix.IsV6), out var list)) announce[(route, prefix.IsV6)] = list = [];
            list.Add(prefix);
        }
        var messages = new List<UpdateMessage>();
        foreach (var ((route, v6), prefixes) in announce)
            messages.AddRange(UpdateBuilder.Announce(prefixes.Order(), v6, route.Attributes, route.NextHop));
        messages.AddRange(UpdateBuilder.Withdraw(withdraw.Where(p => !p.IsV6).Order(), false));
        messages.AddRange(UpdateBuilder.Withdraw(withdraw.Where(p => p.IsV6).Order(), true));
        return messages;
    }

    /// <summary>Forgets what was sent of one family (the peer asked for a refresh, so everything goes again).</summary>
    public void Forget(bool v6)
    {
        foreach (var prefix in _sent.Keys.Where(p => p.IsV6 == v6).ToList()) _sent.Remove(prefix);
    }
}
