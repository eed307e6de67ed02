using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EventShadow.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP proxy on loopback that can drop every byte while keeping its connections open, and then
/// close them, as a broker connection that goes silent and then breaks.
/// </summary>
public sealed class SilencingProxy : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly string upstreamHost;
    private readonly int upstreamPort;
    private readonly ConcurrentDictionary<TcpClient, byte> connections = new();
    private readonly CancellationTokenSource stopping = new();
    private volatile bool silent;

    private SilencingProxy(string upstreamHost, int upstreamPort)
    {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public static SilencingProxy Start(string upstreamHost, int upstreamPort)
    {
        var proxy = new SilencingProxy(upstreamHost, upstreamPort);
        proxy.listener.Start();
        _ = proxy.AcceptAsync();
        return proxy;
    }

    /// <summary>Drops every byte in both directions from now on, keeping the connections open.</summary>
    public void Silence() => silent = true;

    /// <summary>Closes every connection with a reset and forwards new ones again.</summary>
    public void DropConnectionsAndResume()
    {
        foreach (var connection in connections.Keys)
        {
            // A linger time of 0 makes the close a reset, as when the broker's host goes away.
            if (connection.Client is { } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }

            connection.Dispose();
        }

        connections.Clear();
        silent = false;
    }

    public void Dispose()
    {
        stopping.Cancel();
        listener.Stop();
        DropConnectionsAndResume();
        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var upstream = new TcpClient();
            await upstream.ConnectAsync(upstreamHost, upstreamPort);
            connections.TryAdd(client, 0);
            connections.TryAdd(upstream, 0);
            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.GetStream().ReadAsync(buffer, stopping.Token);
                if (read == 0)
                {
                    break;
                }

                if (!silent)
                {
                    await to.GetStream().WriteAsync(buffer.AsMemory(0, read), stopping.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or SocketException)
        {
            // The other side closed, or the proxy dropped the connection.
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
