using System.CommandLine;
using CniNet.Ctl;

var root = new RootCommand("cninetctl: manage CniNet (Calico-compatible) resources and IP address management")
{
    ResourceCommands.Apply(), ResourceCommands.Create(), ResourceCommands.Replace(), ResourceCommands.Delete(),
    ResourceCommands.Get(), IpamCommands.Build(), InstallCniCommand.Build(), PolicyCommands.Build(), NodeCommands.Build(),
};
return await root.Parse(args).InvokeAsync();
