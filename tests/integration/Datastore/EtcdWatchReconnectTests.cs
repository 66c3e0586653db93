using System.Text;
using CniNet.Datastore;
using CniNet.Datastore.Etcd;
using Xunit;

namespace CniNet.Tests.Integration.Datastore;

/// <summary>A watch rides out an etcd restart: it reconnects from the last revision it delivered, losing nothing.</summary>
public sealed class EtcdWatchReconnectTests
{
    [Fact]
    public async Task A_watch_reconnects_after_etcd_restarts_and_misses_no_change()
    {
        using var server = new EtcdServer();
        await using var store = new EtcdDatastore([server.Endpoint]);
        var key = ResourceKey.Cluster("IPAMHandle", "h");
        var first = await store.CreateAsync(key, Encoding.UTF8.GetBytes("{\"v\":1}"));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var watch = store.WatchAsync("IPAMHandle", null, first.Revision - 1, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(WatchEventType.Added, watch.Current.Type);

        server.Restart();
        var second = await store.UpdateAsync(key, Encoding.UTF8.GetBytes("{\"v\":2}"), first.Revision);
        await store.DeleteAsync(key, second.Revision);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((WatchEventType.Modified, second.Revision), (watch.Current.Type, watch.Current.Revision));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(WatchEventType.Deleted, watch.Current.Type);
        Assert.Equal("{\"v\":2}", Encoding.UTF8.GetString(watch.Current.Entry.Value));
    }
}
