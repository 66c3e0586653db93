using CniNet.CalicoCni;
using CniNet.Cni;

return await CniMain.RunAsync(args, "calico", new CalicoPlugin());
