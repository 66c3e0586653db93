namespace CniNet.Cni;

public enum CniLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
    None,
}
