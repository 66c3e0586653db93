namespace CniNet.Tests.Integration;

/// <summary>The published Native-AOT executables (<c>out/bin</c>, or <c>CNINET_BIN</c>), built by ./test.sh.</summary>
public static class OutBin
{
    /// <summary>The checkout this test assembly was built from (the folder holding <c>CniNet.sln</c>).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "CniNet.sln"))) root = root.Parent;
            return root?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    public static string Dir =>
        Environment.GetEnvironmentVariable("CNINET_BIN") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryRoot, "out", "bin");

    public static string PathOf(string name)
    {
        var path = Path.Combine(Dir, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run scripts/build.sh (./test.sh does)");
    }
}
