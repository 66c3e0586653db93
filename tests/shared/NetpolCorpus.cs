using CniNet.Felix.Corpus;

namespace CniNet.Tests;

/// <summary>shared/data/netpol-cases.json, read once per test assembly.</summary>
public static class NetpolCorpus
{
    /// <summary>
    /// In these two cases the initial pod already carries the labels a later addPodLabels step adds, so that step is a
    /// no-op, yet the expectations before and after it differ: no evaluator can satisfy both. The README's model
    /// (pod labels {pod: &lt;name&gt;}) and the upstream tests they re-express start without the added labels.
    /// </summary>
    public static readonly IReadOnlyList<string> AliasedInitialLabels = ["k8s-e2e-022", "k8s-e2e-024"];

    private static readonly Lazy<NetpolCaseFile> Corpus = new(Read);

    public static NetpolCaseFile File => Corpus.Value;

    /// <summary>A private copy of the file, for tests that edit a case.</summary>
    public static NetpolCaseFile Read() => NetpolCaseRunner.Parse(System.IO.File.ReadAllText(Path()));

    /// <summary>The case with the initial pod labels the corpus README documents: <c>{pod: &lt;name&gt;}</c>.</summary>
    public static NetpolCase WithDocumentedInitialLabels(string id)
    {
        var testCase = Read().Cases.Single(c => c.Id == id);
        foreach (var pod in testCase.Initial.Pods)
        {
            pod.Labels = new Dictionary<string, string> { ["pod"] = pod.Pod[(pod.Pod.IndexOf('/') + 1)..] };
        }
        return testCase;
    }

    /// <summary>The corpus lives beside the repository: ../shared/data from the folder holding CniNet.sln.</summary>
    private static string Path()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "CniNet.sln")))
            {
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "data", "netpol-cases.json"));
            }
        }
        throw new DirectoryNotFoundException($"no CniNet.sln above {AppContext.BaseDirectory}");
    }
}
