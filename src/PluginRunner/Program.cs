using CniNet.CalicoCni;
using CniNet.Cni;

return await CniRunner.RunAsync(args, new Dictionary<string, ICniPlugin>
{
    ["calico"] = new CalicoPlugin(),
    ["calico-ipam"] = new CalicoIpamPlugin(),
});
