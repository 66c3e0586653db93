using CniNet.Datastore;
using CniNet.IpamCore;
using CniNet.Model.Documents;
using CniNet.Model.Validation;

namespace CniNet.Ctl;

/// <summary>Opens the configured store for a command and turns the stack's errors into calicoctl-style failures.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(Func<IDatastore, Task<int>> body)
    {
        try
        {
            await using var store = DatastoreConfig.FromEnvironment().Open();
            return await body(store);
        }
        catch (Exception e) when (e is ResourceParseException or ResourceValidationException or DatastoreException or IpamException
                                      or IOException or FormatException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"Failed to execute command: {e.Message}");
            return 1;
        }
    }

    public static string ReadInput(string file) => file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file);
}
