using CniNet.Model.Naming;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace CniNet.Tests.Property;

/// <summary>The plugin's own SHA-1 (veth names) agrees with the platform's on every input, across block boundaries.</summary>
public sealed class Sha1Properties
{
    [Fact]
    public void Sha1_matches_the_platform_implementation() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().ToArbitrary(),
            (byte[] data) => Sha1.Hash(data).AsSpan().SequenceEqual(System.Security.Cryptography.SHA1.HashData(data))));

    [Theory]
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1")]
    public void Sha1_of_the_rfc_test_vectors(string input, string digest) =>
        Assert.Equal(digest, Convert.ToHexStringLower(Sha1.Hash(System.Text.Encoding.UTF8.GetBytes(input))));
}
