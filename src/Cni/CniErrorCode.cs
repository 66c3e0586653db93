namespace CniNet.Cni;

/// <summary>The CNI specification's error codes (0-99 reserved by the spec) and this plugin's own (100 and up).</summary>
public enum CniErrorCode
{
    IncompatibleVersion = 1,
    UnsupportedField = 2,
    UnknownContainer = 3,
    InvalidEnvironment = 4,
    IoFailure = 5,
    DecodeFailure = 6,
    InvalidNetworkConfig = 7,
    TryAgainLater = 11,
    NotAvailable = 50,
    NotAvailableDegraded = 51,

    /// <summary>A failure inside the plugin that is none of the above (Calico's own errors land here).</summary>
    PluginFailure = 100,

    /// <summary>The datastore could not be opened or answered with an error.</summary>
    DatastoreFailure = 101,

    /// <summary>No address could be assigned: no pool, an exhausted pool, or the address is taken.</summary>
    AddressUnavailable = 102,

    /// <summary>The kernel refused a dataplane change (link, address, route, sysctl).</summary>
    DataplaneFailure = 103,
}
