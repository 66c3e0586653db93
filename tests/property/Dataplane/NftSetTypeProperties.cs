using CniNet.Felix.Dataplane;
using CniNet.Linux;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property.Dataplane;

/// <summary>
/// The element lists of the selectors' address sets are read from the line's text on a path of their own
/// (<see cref="NftSetType.AddressIntervals"/>): it must give exactly the elements the general path gives from the
/// list's words, and leave to it (null) every list the general path refuses.
/// </summary>
public sealed class NftSetTypeProperties
{
    private static readonly string[] V4 = ["10.0.0.1", "10.0.0.0/8", "10.0.0.2", "0.0.0.0/0", "255.255.255.255", "10.1.2.0/24", "10.1.3.0/25", "10.1.2.128", "0.0.0.1", ""];
    private static readonly string[] V6 = ["fd00::1", "fd00::/64", "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fd00::1:0/112", "fd00::2", "::1", ""];

    // Texts the general path refuses (host bits, family, zone, prefix length, words, quotes) or reads as other words.
    private static readonly string[] Refused = ["10.1.2.3/24", "1.2.3", "10.0.0.1%1", "10.0.0.0/33", "\"10.0.0.1\"", "10.0.0.1 10.0.0.2", "fd00::1/64", "fe80::1%eth0", "10.0.0.1;", "{ 10.0.0.1 }"];

    [Fact]
    public void Address_intervals_from_the_text_are_the_elements_the_general_path_makes_of_its_words() =>
        Check.One(
            Config.QuickThrowOnFailure.WithMaxTest(500),
            Prop.ForAll(Gen.Choose(0, 99).ArrayOf().ToArbitrary(), picks =>
            {
                var v6 = picks.Length % 2 == 1;
                var pool = v6 ? V6 : V4;
                // One list in three has a text to refuse somewhere in it.
                var words = picks.Select(p => pool[p % pool.Length]).ToList();
                if (picks.Length % 3 == 0 && picks.Length > 0) words[picks[0] % words.Count] = Refused[picks[^1] % Refused.Length];
                var list = "{ " + string.Join(", ", words) + " }";
                var type = NftSetType.Declared(v6 ? "type ipv6_addr; flags interval;" : "type ipv4_addr; flags interval;");
                foreach (var leadingGap in new[] { true, false })
                {
                    var fast = type.AddressIntervals(list, leadingGap);
                    NfTablesElement[]? general;
                    try
                    {
                        general = [.. type.Elements(new NftTokens(list).BracedList(), leadingGap, list)];
                    }
                    catch (NftUnsupportedException)
                    {
                        general = null;
                    }
                    if (fast is not { } elements)
                    {
                        Assert.Null(general);
                        continue;
                    }
                    Assert.NotNull(general);
                    Assert.Equal(general.Length, elements.Length);
                    for (var i = 0; i < general.Length; i++)
                    {
                        Assert.True(general[i].Key.Span.SequenceEqual(elements[i].Key.Span));
                        Assert.True(general[i].UserData.Span.SequenceEqual(elements[i].UserData.Span));
                        Assert.Equal(general[i].IntervalEnd, elements[i].IntervalEnd);
                        Assert.Equal(general[i].Verdict, elements[i].Verdict);
                    }
                }
            }));
}
