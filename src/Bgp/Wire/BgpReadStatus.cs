namespace CniNet.Bgp.Wire;

public enum BgpReadStatus
{
    /// <summary>The buffer does not hold a whole message yet; read more and try again.</summary>
    NeedMore,
    Message,

    /// <summary>The message is malformed; send the error's NOTIFICATION and close the session.</summary>
    Error,
}
