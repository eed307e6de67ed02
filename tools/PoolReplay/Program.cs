using EventShadow.PoolReplay;

return ReplayCommand.Run(args, Console.Out, Console.Error);
