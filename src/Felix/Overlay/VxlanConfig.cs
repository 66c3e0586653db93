using CniNet.Model.Felix;

namespace CniNet.Felix.Overlay;

/// <summary>Felix's VXLAN settings, with Calico's defaults for what FelixConfiguration leaves unset.</summary>
/// <param name="Enabled">FelixConfiguration <c>vxlanEnabled</c>; null lets the IP pools decide (any pool with a <c>vxlanMode</c> other than Never).</param>
/// <param name="Vni"><c>vxlanVNI</c>, default 4096.</param>
/// <param name="Port"><c>vxlanPort</c>, default 4789.</param>
/// <param name="Mtu"><c>vxlanMTU</c>; Calico detects it as the underlay's minus the 50 bytes of encapsulation, here 1450 for a 1500 underlay.</param>
public sealed record VxlanConfig(bool? Enabled = null, uint Vni = 4096, ushort Port = 4789, int Mtu = 1450)
{
    /// <summary>The settings from the <c>default</c> FelixConfiguration, overridden field by field by the node's own (<c>node.&lt;name&gt;</c>).</summary>
    public static VxlanConfig From(FelixConfigurationSpec? global, FelixConfigurationSpec? node)
    {
        var defaults = new VxlanConfig();
        return new VxlanConfig(
            node?.VxlanEnabled ?? global?.VxlanEnabled,
            (uint?)(node?.VxlanVNI ?? global?.VxlanVNI) ?? defaults.Vni,
            (ushort?)(node?.VxlanPort ?? global?.VxlanPort) ?? defaults.Port,
            node?.VxlanMTU ?? global?.VxlanMTU ?? defaults.Mtu);
    }
}
