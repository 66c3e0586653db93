namespace CniNet.Tests.Integration.Bgp;

/// <summary>
/// Waits for a real outcome (a route in a kernel, a session state) that arrives asynchronously. The bound only keeps
/// a broken run from hanging; the assertion is the outcome, never how long it took. Free of xunit, so the
/// bgp-convergence benchmark links it too.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"never observed: {what}{(state is null ? "" : "\n" + state())}");
            await Task.Delay(200);
        }
    }

    public static Task HoldsAsync(Func<bool> condition, string what, Func<string>? state = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, state);
}
