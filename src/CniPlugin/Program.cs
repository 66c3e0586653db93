using CniNet.Cni;

return CniFront.Run(args, "calico");
