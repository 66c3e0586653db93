using System.Buffers.Binary;
using CniNet.Linux.Netlink;

namespace CniNet.Linux;

/// <summary>
/// One nf_tables transaction as nfnetlink messages between NFNL_MSG_BATCH_BEGIN and _END, for one family's tables
/// (<see cref="Inet"/>). The kernel applies it atomically: any message it refuses aborts all of them. Each message
/// remembers the <see cref="Origin"/> current when it was written (a script line), so a refusal can be traced back.
/// Messages carry no NLM_F_ACK: see <see cref="NfTablesSocket.Commit"/>.
/// </summary>
public sealed class NfTablesBatch : IDisposable
{
    /// <summary>NFPROTO_INET: tables whose chains see IPv4 and IPv6.</summary>
    public const byte Inet = 1;

    // A nested attribute's length is 16 bits: element lists are cut into messages well below it.
    private const int ElementListLimit = 48 * 1024;

    private readonly NetlinkMessageWriter _writer;
    private readonly List<int> _origins = [];
    private readonly byte _family;
    private uint _setId;
    private bool _sealed;

    /// <param name="family">The tables' family.</param>
    /// <param name="capacity">
    /// The bytes expected (a full program is some 90 MB). From a huge page up the batch is mapped memory, where room
    /// never written costs nothing: better asked for generously than grown.
    /// </param>
    public NfTablesBatch(byte family = Inet, int capacity = 64 * 1024)
    {
        _family = family;
        _writer = new NetlinkMessageWriter(capacity);
        Message(Uapi.NFNL_MSG_BATCH_BEGIN, 0, Uapi.AF_UNSPEC, Uapi.NFNL_SUBSYS_NFTABLES);
        _origins[0] = -1;
    }

    /// <summary>What the next messages are written for (e.g. a line number); reported with their failures.</summary>
    public int Origin { get; set; }

    /// <summary>Creates the table, or leaves an existing one as it is.</summary>
    public void AddTable(string table)
    {
        Begin(Uapi.NFT_MSG_NEWTABLE, 0);
        _writer.AttributeString(Uapi.NFTA_TABLE_NAME, table);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_TABLE_FLAGS, 0);
        _writer.EndMessage();
    }

    /// <summary>Deletes the table with everything in it; the kernel refuses when it does not exist (ENOENT).</summary>
    public void DeleteTable(string table)
    {
        Begin(Uapi.NFT_MSG_DELTABLE, 0);
        _writer.AttributeString(Uapi.NFTA_TABLE_NAME, table);
        _writer.EndMessage();
    }

    /// <summary>Creates a chain (a base chain with <paramref name="hook"/>), or leaves an existing one as it is.</summary>
    public void AddChain(ReadOnlySpan<char> table, ReadOnlySpan<char> chain, NfTablesHook? hook)
    {
        Begin(Uapi.NFT_MSG_NEWCHAIN, Uapi.NLM_F_CREATE);
        _writer.AttributeString(Uapi.NFTA_CHAIN_TABLE, table);
        _writer.AttributeString(Uapi.NFTA_CHAIN_NAME, chain);
        if (hook is not null)
        {
            _writer.AttributeString(Uapi.NFTA_CHAIN_TYPE, hook.Type);
            _writer.AttributeBigEndianUInt32(Uapi.NFTA_CHAIN_POLICY, hook.AcceptPolicy ? 1u : 0u);
            var nest = _writer.BeginNested(Uapi.NFTA_CHAIN_HOOK, flagged: true);
            _writer.AttributeBigEndianUInt32(Uapi.NFTA_HOOK_HOOKNUM, hook.HookNumber);
            _writer.AttributeBigEndianUInt32(Uapi.NFTA_HOOK_PRIORITY, (uint)hook.Priority);
            _writer.EndNested(nest);
        }
        _writer.EndMessage();
    }

    /// <summary>Deletes an empty chain no rule or map element refers to.</summary>
    public void DeleteChain(ReadOnlySpan<char> table, ReadOnlySpan<char> chain)
    {
        Begin(Uapi.NFT_MSG_DELCHAIN, 0);
        _writer.AttributeString(Uapi.NFTA_CHAIN_TABLE, table);
        _writer.AttributeString(Uapi.NFTA_CHAIN_NAME, chain);
        _writer.EndMessage();
    }

    /// <summary>Deletes every rule of the chain (<c>flush chain</c>): a DELRULE naming only the chain.</summary>
    public void FlushChain(ReadOnlySpan<char> table, ReadOnlySpan<char> chain)
    {
        Begin(Uapi.NFT_MSG_DELRULE, 0);
        _writer.AttributeString(Uapi.NFTA_RULE_TABLE, table);
        _writer.AttributeString(Uapi.NFTA_RULE_CHAIN, chain);
        _writer.EndMessage();
    }

    /// <summary>Creates a named set or map, or leaves an existing one of the same declaration as it is.</summary>
    public void AddSet(string table, string name, NfTablesSetSpec spec) => WriteSet(table, name, spec, ++_setId, null);

    public void DeleteSet(string table, string name)
    {
        Begin(Uapi.NFT_MSG_DELSET, 0);
        _writer.AttributeString(Uapi.NFTA_SET_TABLE, table);
        _writer.AttributeString(Uapi.NFTA_SET_NAME, name);
        _writer.EndMessage();
    }

    public void AddElements(string table, string set, IReadOnlyList<NfTablesElement> elements) =>
        WriteElements(Uapi.NFT_MSG_NEWSETELEM, Uapi.NLM_F_CREATE, table, set, null, elements);

    /// <summary>Deletes elements by key (an interval by its start and end elements); absent ones fail the batch (ENOENT).</summary>
    public void DeleteElements(string table, string set, IReadOnlyList<NfTablesElement> elements) =>
        WriteElements(Uapi.NFT_MSG_DELSETELEM, 0, table, set, null, elements);

    /// <summary>Appends a rule to the chain, after creating its anonymous sets.</summary>
    /// <remarks>The names as spans: a script's compiler passes them straight from its line, without a string per rule.</remarks>
    public void AddRule(ReadOnlySpan<char> table, ReadOnlySpan<char> chain, NfTablesRule rule)
    {
        Span<uint> ids = stackalloc uint[rule.Sets.Length];
        for (var i = 0; i < rule.Sets.Length; i++)
        {
            var set = rule.Sets[i];
            ids[i] = ++_setId;
            // The kernel sizes the set from the description; nft counts an open interval's missing end too.
            var size = set.Elements.Length + set.Elements.Count(e => !e.UserData.IsEmpty);
            WriteSet(table, NfTablesRuleBuilder.AnonymousSetName, set.Spec, ids[i], (uint)size);
            WriteElements(Uapi.NFT_MSG_NEWSETELEM, Uapi.NLM_F_CREATE, table, NfTablesRuleBuilder.AnonymousSetName, ids[i], set.Elements);
        }
        Begin(Uapi.NFT_MSG_NEWRULE, Uapi.NLM_F_CREATE | Uapi.NLM_F_APPEND);
        _writer.AttributeString(Uapi.NFTA_RULE_TABLE, table);
        _writer.AttributeString(Uapi.NFTA_RULE_CHAIN, chain);
        var expressions = _writer.BeginNested(Uapi.NFTA_RULE_EXPRESSIONS, flagged: true);
        var start = _writer.AppendBytes(rule.Expressions);
        var written = _writer.Since(start);
        for (var i = 0; i < ids.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(written[rule.SetIdOffsets[i]..], ids[i]);
        _writer.EndNested(expressions);
        if (rule.UserData is { } userData) _writer.Attribute(Uapi.NFTA_RULE_USERDATA, userData);
        _writer.EndMessage();
    }

    /// <summary>The whole batch, closed with BATCH_END; nothing can be added after.</summary>
    internal ReadOnlySpan<byte> Seal()
    {
        if (!_sealed)
        {
            Message(Uapi.NFNL_MSG_BATCH_END, 0, Uapi.AF_UNSPEC, Uapi.NFNL_SUBSYS_NFTABLES);
            _origins[^1] = -1;
            _sealed = true;
        }
        return _writer.Written;
    }

    /// <summary>The origin of the message with sequence number <paramref name="sequence"/> (-1 for the delimiters).</summary>
    internal int OriginOf(uint sequence) => sequence < (uint)_origins.Count ? _origins[(int)sequence] : -1;

    public void Dispose() => _writer.Dispose();

    internal static void WriteVerdict(NetlinkMessageWriter writer, NfTablesVerdict verdict)
    {
        var nest = writer.BeginNested(Uapi.NFTA_DATA_VERDICT, flagged: true);
        writer.AttributeBigEndianUInt32(Uapi.NFTA_VERDICT_CODE, (uint)verdict.Code);
        if (verdict.Chain is { } chain) writer.AttributeString(Uapi.NFTA_VERDICT_CHAIN, chain);
        writer.EndNested(nest);
    }

    private void WriteSet(ReadOnlySpan<char> table, string name, NfTablesSetSpec spec, uint id, uint? size)
    {
        Begin(Uapi.NFT_MSG_NEWSET, Uapi.NLM_F_CREATE);
        _writer.AttributeString(Uapi.NFTA_SET_TABLE, table);
        _writer.AttributeString(Uapi.NFTA_SET_NAME, name);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_SET_FLAGS, spec.Flags);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_SET_KEY_TYPE, spec.KeyType);
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_SET_KEY_LEN, (uint)spec.KeyLength);
        if (spec.VerdictData)
        {
            _writer.AttributeBigEndianUInt32(Uapi.NFTA_SET_DATA_TYPE, Uapi.NFT_DATA_VERDICT);
            _writer.AttributeBigEndianUInt32(Uapi.NFTA_SET_DATA_LEN, 0);
        }
        _writer.AttributeBigEndianUInt32(Uapi.NFTA_SET_ID, id);
        if (size is { } count)
        {
            var desc = _writer.BeginNested(Uapi.NFTA_SET_DESC, flagged: true);
            _writer.AttributeBigEndianUInt32(Uapi.NFTA_SET_DESC_SIZE, count);
            _writer.EndNested(desc);
        }
        if (!spec.UserData.IsEmpty) _writer.Attribute(Uapi.NFTA_SET_USERDATA, spec.UserData.Span);
        _writer.EndMessage();
    }

    private void WriteElements(ushort type, ushort flags, ReadOnlySpan<char> table, string set, uint? setId, IReadOnlyList<NfTablesElement> elements)
    {
        var next = 0;
        while (next < elements.Count)
        {
            Begin(type, flags);
            _writer.AttributeString(Uapi.NFTA_SET_ELEM_LIST_TABLE, table);
            _writer.AttributeString(Uapi.NFTA_SET_ELEM_LIST_SET, set);
            if (setId is { } id) _writer.AttributeBigEndianUInt32(Uapi.NFTA_SET_ELEM_LIST_SET_ID, id);
            var list = _writer.BeginNested(Uapi.NFTA_SET_ELEM_LIST_ELEMENTS, flagged: true);
            for (; next < elements.Count && _writer.Length - list < ElementListLimit; next++)
            {
                var element = elements[next];
                var nest = _writer.BeginNested(Uapi.NFTA_LIST_ELEM, flagged: true);
                if (element.IntervalEnd) _writer.AttributeBigEndianUInt32(Uapi.NFTA_SET_ELEM_FLAGS, Uapi.NFT_SET_ELEM_INTERVAL_END);
                var key = _writer.BeginNested(Uapi.NFTA_SET_ELEM_KEY, flagged: true);
                _writer.Attribute(Uapi.NFTA_DATA_VALUE, element.Key.Span);
                _writer.EndNested(key);
                if (element.Verdict is { } verdict)
                {
                    var data = _writer.BeginNested(Uapi.NFTA_SET_ELEM_DATA, flagged: true);
                    WriteVerdict(_writer, verdict);
                    _writer.EndNested(data);
                }
                if (!element.UserData.IsEmpty) _writer.Attribute(Uapi.NFTA_SET_ELEM_USERDATA, element.UserData.Span);
                _writer.EndNested(nest);
            }
            _writer.EndNested(list);
            _writer.EndMessage();
        }
    }

    private void Begin(ushort type, ushort flags)
    {
        if (_sealed) throw new InvalidOperationException("the batch is already sealed");
        Message((ushort)((Uapi.NFNL_SUBSYS_NFTABLES << 8) | type), flags, _family, 0);
    }

    /// <summary>Starts a message: nlmsghdr and nfgenmsg (family, version, big-endian res_id).</summary>
    private void Message(ushort type, ushort flags, byte family, ushort resourceId)
    {
        _writer.BeginMessage(type, (ushort)(Uapi.NLM_F_REQUEST | flags), (uint)_origins.Count);
        _origins.Add(Origin);
        var header = _writer.Append(Uapi.NFGENMSG_LEN);
        header[0] = family;
        header[1] = Uapi.NFNETLINK_V0;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], resourceId);
        if (type is Uapi.NFNL_MSG_BATCH_BEGIN or Uapi.NFNL_MSG_BATCH_END) _writer.EndMessage();
    }
}
