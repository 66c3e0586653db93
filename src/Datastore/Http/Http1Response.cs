using System.Text;

namespace CniNet.Datastore.Http;

/// <summary>An answer read whole: the status and the body bytes.</summary>
public sealed record Http1Response(int Status, byte[] Body)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public string Text => Encoding.UTF8.GetString(Body);
}
