using System.CommandLine;
using System.Text.Json;
using CniNet.Felix.Corpus;

namespace CniNet.Ctl;

/// <summary><c>policy test</c>: replays a netpol-cases/v1 file through the policy verdict and reports case by case.</summary>
internal static class PolicyCommands
{
    public static Command Build() => new("policy", "Calico and Kubernetes network policy") { Test() };

    private static Command Test()
    {
        var cases = new Option<string>("--cases") { Description = "a netpol-cases/v1 JSON file ('-' for stdin)", Required = true };
        var command = new Command("test", "Evaluate every case's probe matrices and compare them with the expectations") { cases };
        command.SetAction(parse =>
        {
            NetpolCaseFile file;
            try
            {
                file = NetpolCaseRunner.Parse(CommandRunner.ReadInput(parse.GetValue(cases)!));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                Console.Error.WriteLine($"Failed to execute command: {e.Message}");
                return 1;
            }
            int passed = 0, failed = 0;
            foreach (var testCase in file.Cases)
            {
                var result = NetpolCaseRunner.Run(testCase);
                Console.WriteLine(result.ToString());
                if (result.Passed) passed++;
                else failed++;
            }
            Console.WriteLine($"{passed} passed, {failed} failed");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }
}
