namespace CniNet.Linux;

/// <summary>What a <see cref="RouteRequest"/> asks of the kernel, as <see cref="Rtnetlink.AddRoute"/>, <see cref="Rtnetlink.ReplaceRoute"/> and <see cref="Rtnetlink.DeleteRoute"/> do one at a time.</summary>
public enum RouteOperation
{
    /// <summary>RTM_NEWROUTE with NLM_F_CREATE | NLM_F_EXCL: fails with EEXIST when the key is taken.</summary>
    Add,

    /// <summary>RTM_NEWROUTE with NLM_F_CREATE | NLM_F_REPLACE.</summary>
    Replace,

    /// <summary>RTM_DELROUTE of the route matching every field; ESRCH when none does.</summary>
    Delete,
}
