using CniNet.Linux;
using Xunit;

namespace CniNet.Tests.Property.Linux;

public sealed class HugePagesTests
{
    [Fact]
    public void Advising_huge_pages_leaves_the_memory_as_it_was_whatever_its_alignment_and_size()
    {
        var memory = GC.AllocateUninitializedArray<byte>(9 * 1024 * 1024, pinned: true);
        Random.Shared.NextBytes(memory);
        var before = memory.ToArray();

        HugePages.Advise(memory.AsSpan(3, 7 * 1024 * 1024 + 5));
        HugePages.Advise(memory.AsSpan(1, 4096));
        HugePages.Advise([]);

        Assert.Equal(before, memory);
    }
}
