namespace CniNet.Tests.Integration;

/// <summary>The published Native-AOT executables (<c>out/bin</c>, or <c>CNINET_BIN</c>), built by ./test.sh.</summary>
public static class OutBin
{
    public static string Dir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("CNINET_BIN");
            if (!string.IsNullOrEmpty(dir)) return dir;
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "CniNet.sln"))) root = root.Parent;
            return Path.Combine(root?.FullName ?? throw new InvalidOperationException("repository root not found"), "out", "bin");
        }
    }

    public static string PathOf(string name)
    {
        var path = Path.Combine(Dir, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run scripts/build.sh (./test.sh does)");
    }
}
