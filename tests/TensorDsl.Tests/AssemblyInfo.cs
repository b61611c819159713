namespace TensorDsl.Tests;
