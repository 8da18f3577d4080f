// Reverse-mode differentiation: order the graph topologically, then walk it backwards,
// calling each node's backward closure and summing gradients where a tensor fans out.
import { Tensor } from '../tensor/tensor';
import { sameShape, shapeString } from '../tensor/shape';
import { convert } from '../tensor/dtype';
import { noGrad } from './grad-mode';
import { disownGradient, isOwnedGradient, ownedGradient } from './owned';

/** Tensors reachable from `root` through recorded nodes, inputs before the ops that use them. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative post-order DFS: deep graphs (long training unrolls) must not overflow the stack.
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top.t.node ? top.t.node.inputs : [];
    if (top.next < inputs.length) {
      const child = inputs[top.next++];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push({ t: child, next: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order;
}

/** a + b as a fresh tensor (gradients may alias each other, so never add in place). */
function sum(a: Tensor, b: Tensor): Tensor {
  const wide = a.data instanceof Float64Array || b.data instanceof Float64Array;
  const data = wide ? new Float64Array(a.size) : new Float32Array(a.size);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] + b.data[i];
  return new Tensor(data, a.shape);
}

/**
 * Compute d(root)/d(leaf) for every leaf that requires a gradient, adding into `leaf.grad`
 * (gradients accumulate across calls until `zeroGrad`). `root` must be a scalar unless
 * `gradient` (dL/d(root), same shape as root) is given.
 */
export function backward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error('backward: this tensor does not require a gradient (no input of its graph has requiresGrad)');
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new Error(`backward: called on a tensor of shape ${shapeString(root.shape)}; reduce it to a scalar or pass a gradient`);
    }
    seed = Tensor.ones(root.shape, { dtype: root.dtype });
  } else {
    if (!sameShape(gradient.shape, root.shape)) {
      throw new Error(`backward: gradient shape ${shapeString(gradient.shape)} differs from tensor shape ${shapeString(root.shape)}`);
    }
    seed = gradient;
  }

  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t); // release as soon as it has been consumed
      if (t.node === null || t.retainsGrad) {
        const own = new Tensor(convert(g.data, t.dtype), t.shape);
        t.grad = t.grad === null ? own : sum(t.grad, own);
        disownGradient(g); // t.grad may share g's data now
      }
      const node = t.node;
      if (node === null) continue;
      const needs = node.inputs.map((x) => x.requiresGrad);
      // The caller's seed is never the engine's to hand over.
      const inputGrads = node.backward(g, needs, g !== seed && isOwnedGradient(g));
      if (inputGrads.length !== node.inputs.length) {
        throw new Error(`backward: ${node.op} returned ${inputGrads.length} gradients for ${node.inputs.length} inputs`);
      }
      for (let k = 0; k < node.inputs.length; k++) {
        const x = node.inputs[k];
        const gx = inputGrads[k];
        if (!needs[k] || gx === null) continue;
        // The invariant every op must keep: a gradient has exactly its input's shape.
        if (!sameShape(gx.shape, x.shape)) {
          throw new Error(
            `backward: ${node.op} produced a gradient of shape ${shapeString(gx.shape)} for input ${k} of shape ${shapeString(x.shape)}`,
          );
        }
        // One tensor returned for two inputs is shared, whatever its producer said.
        for (let j = 0; j < k; j++) if (inputGrads[j] === gx) disownGradient(gx);
        const previous = grads.get(x);
        grads.set(x, previous === undefined ? gx : ownedGradient(sum(previous, gx)));
      }
    }
  });
}
