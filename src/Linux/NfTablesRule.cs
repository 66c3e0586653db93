using System.Collections.Immutable;

namespace CniNet.Linux;

/// <summary>
/// A rule compiled to nf_tables expressions, ready to be appended to any chain any number of times: the encoded
/// NFTA_RULE_EXPRESSIONS content, the anonymous sets it looks up (each written before it, under a fresh id patched
/// into <see cref="SetIdOffsets"/>), and its user data (nft's comment TLV). Immutable, so one compiled rule serves
/// every endpoint chain that holds the same rule text.
/// </summary>
public sealed class NfTablesRule
{
    internal NfTablesRule(byte[] expressions, ImmutableArray<int> setIdOffsets, ImmutableArray<NfTablesAnonymousSet> sets, byte[]? userData)
    {
        Expressions = expressions;
        SetIdOffsets = setIdOffsets;
        Sets = sets;
        UserData = userData;
    }

    internal byte[] Expressions { get; }

    /// <summary>Where, in <see cref="Expressions"/>, the big-endian id of <see cref="Sets"/>[i] goes.</summary>
    internal ImmutableArray<int> SetIdOffsets { get; }

    public ImmutableArray<NfTablesAnonymousSet> Sets { get; }

    internal byte[]? UserData { get; }
}
