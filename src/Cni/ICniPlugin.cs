namespace CniNet.Cni;

/// <summary>
/// What a plugin implements; <see cref="CniSkel"/> does everything the specification puts around it (environment and
/// version checks, decoding, result and error output).
/// </summary>
public interface ICniPlugin
{
    /// <summary><c>CNI_ARGS</c> keys the plugin understands; others need <c>IgnoreUnknown</c>.</summary>
    IReadOnlyCollection<string> KnownArgs { get; }

    Task<CniResult> AddAsync(CniRequest request);

    Task DelAsync(CniRequest request);

    Task CheckAsync(CniRequest request);

    Task GcAsync(CniRequest request);

    Task StatusAsync(CniRequest request);

    /// <summary>Turns a failure that is not a <see cref="CniException"/> into one (datastore, IPAM and kernel errors).</summary>
    CniException Classify(Exception error);
}
