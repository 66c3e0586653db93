using Microsoft.Data.Sqlite;

namespace CniNet.Datastore.Sqlite;

/// <summary>
/// Checkpoints a store file's WAL on a thread and connection of its own, so a long-lived writer's commits do not stop
/// to copy thousands of pages into the database file and wait for its fsync (about 100 µs per commit when amortised).
/// Checkpoints stay PASSIVE: they never block a writer or a reader, and they fsync as SQLite always does.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly AutoResetEvent _due = new(false);
    private readonly Thread _thread;
    private volatile bool _stopping;

    public WalCheckpointer(string connectionString)
    {
        _connection = new SqliteConnection(connectionString);
        try
        {
            _connection.Open();
            using var pragma = _connection.CreateCommand();
            // The checkpoint's fsyncs follow the connection's setting; NORMAL is the store's everywhere.
            pragma.CommandText = "PRAGMA synchronous = NORMAL";
            pragma.ExecuteNonQuery();
        }
        catch
        {
            _connection.Dispose();
            _due.Dispose();
            throw;
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "cninet-wal-checkpoint" };
        _thread.Start();
    }

    /// <summary>Asks for a checkpoint; requests made while one runs are folded into the next.</summary>
    public void Request() => _due.Set();

    private void Run()
    {
        using var checkpoint = _connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        while (true)
        {
            _due.WaitOne();
            if (_stopping) return;
            try
            {
                checkpoint.ExecuteNonQuery();
            }
            catch (SqliteException)
            {
                // Another connection was checkpointing, or the file is failing: the writer's own autocheckpoint still
                // bounds the WAL, and a failing file shows up in the writer's next commit.
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _due.Set();
        _thread.Join();
        _connection.Dispose();
        _due.Dispose();
    }
}
