using EventShadow.Hosting;
using EventShadow.Validator;

return await ServiceRunner.RunAsync("Validator", args, ValidatorApplication.Build);
