"""S3.3 — linear regions of ReLU networks: a shallow 2→20→1 and a deep 2→5→5→5→5→1 MLP at initialisation.

A ReLU net is piecewise linear: inside a region where every neuron keeps its sign (one *activation
pattern*) the output is an affine function of x, so its gradient is constant there. The region
boundaries ("kinks") are where some neuron's pre-activation crosses zero.

  shallow  each hidden neuron j switches on the straight line w_jᵀx + b_j = 0; 20 lines cut the
           plane into at most 1 + 20 + C(20, 2) = 211 regions. All the structure lies inside the
           circle holding every intersection of two lines; beyond it the lines just run out as rays.
  deep     neurons of layer 2 onwards switch on lines *bent* at the earlier kinks, so a few neurons
           make many, irregular regions; far away the biases stop mattering and the regions become
           cones from the origin.

How far to zoom out is measured, not guessed: along circles of growing radius r we collect the
activation patterns (regions) the circles meet; once no new one turns up, all structure is inside.
For the shallow net this agrees with the largest radius of a line intersection (computed from the
weights). The gradient images (`numpy.gradient` of the output image) with the 'prism'
colormap give every linear region a flat colour: the picture of the regions; on the zoomed-out row a
dashed circle marks the structure radius. Checks: the region count of the shallow net against the
closed form for 20 lines in general position (1 + 20 + number of crossings = 211, of which the grids
and circles must find ≥ 85 %; the missed ones are slivers thinner than a pixel), and for the deep net
more regions than its first layer's 5 lines alone can make (1 + 5 + C(5,2) = 16): depth adds them.

    python examples/s3_linear_regions.py [--quick] [--out out] [--seed 0]
"""
import sys

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

import tinynn as tn
import tinynn.nn as nn
from _common import Results, parse_args


def mlp(widths):
    """ReLU MLP with layer widths e.g. (2, 20, 1): Linear, ReLU, ..., Linear (no activation at the end)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(n_in, n_out, dtype=tn.float64))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def forward_with_patterns(model, pts):
    """Output (n,) and the activation pattern of every point as one integer (bit k = neuron k is on)."""
    code = np.zeros(len(pts), dtype=np.int64)
    bit = 0
    with tn.no_grad():
        h = tn.tensor(pts)
        for layer in model:
            if isinstance(layer, nn.ReLU):
                on = h.numpy() > 0
                code |= (on.astype(np.int64) << np.arange(bit, bit + on.shape[1])).sum(axis=1)
                bit += on.shape[1]
            h = layer(h)
    return h.numpy()[:, 0], code


def structure_radius(model, radii, n_angles):
    """Radius beyond which circles meet no new linear region, the cumulative number of activation
    patterns met on the circles up to each radius, and the set of patterns met."""
    phi = np.linspace(0, 2 * np.pi, n_angles, endpoint=False)
    circle = np.column_stack([np.cos(phi), np.sin(phi)])
    seen, cumulative = set(), []
    for r in radii:
        seen |= set(forward_with_patterns(model, r * circle)[1].tolist())
        cumulative.append(len(seen))
    cumulative = np.array(cumulative)
    return radii[np.argmax(cumulative == cumulative[-1])], cumulative, seen


def line_intersections(layer):
    """The intersection points (k, 2) of the lines w_jᵀx + b_j = 0 of a first layer (parallel pairs skipped)."""
    W, b = layer.weight.numpy(), layer.bias.numpy()
    points = []
    for i in range(len(W)):
        for j in range(i + 1, len(W)):
            A = W[[i, j]]
            if abs(np.linalg.det(A)) > 1e-12:
                points.append(np.linalg.solve(A, -b[[i, j]]))
    return np.array(points).reshape(-1, 2)


def image(model, half_width, n):
    """Output on an n×n grid over [−L, L]², its numpy.gradient (d/dx, d/dy) and the regions seen."""
    g = np.linspace(-half_width, half_width, n)
    gx, gy = np.meshgrid(g, g)
    out, code = forward_with_patterns(model, np.column_stack([gx.ravel(), gy.ravel()]))
    img = out.reshape(n, n)
    d_dy, d_dx = np.gradient(img, g[1] - g[0])  # axis 0 of the image is y, axis 1 is x
    return img, d_dx, d_dy, set(np.unique(code).tolist())


def draw_net(res, exercise, name, title, model, ranges, n, radius, points=None):
    """One row per range: output image, then d/dx and d/dy with the 'prism' colormap. On the zoomed-out
    row a dashed circle marks the structure radius (and dots the shallow net's line intersections)."""
    fig, axes = plt.subplots(len(ranges), 3, figsize=(13.5, 4.3 * len(ranges)), squeeze=False)
    regions = []
    phi = np.linspace(0, 2 * np.pi, 400)
    for r_i, (row, L) in enumerate(zip(axes, ranges)):
        img, d_dx, d_dy, patterns = image(model, L, n)
        regions.append(patterns)
        extent = (-L, L, -L, L)
        im = row[0].imshow(img, origin="lower", extent=extent, cmap="viridis")
        fig.colorbar(im, ax=row[0], shrink=0.85, label="network output y")
        row[0].set_title(f"output y on [−{L:g}, {L:g}]²\n{len(patterns)} regions on an {n}² grid", fontsize=10)
        for ax, d, lab in ((row[1], d_dx, "∂y/∂x₁"), (row[2], d_dy, "∂y/∂x₂")):
            ax.imshow(d, origin="lower", extent=extent, cmap="prism", interpolation="nearest")
            ax.set_title(f"{lab} (numpy.gradient, 'prism')\none flat colour per linear region", fontsize=10)
        for ax in row:
            ax.set(xlabel="x₁", ylabel="x₂")
            ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.yaxis.set_major_locator(MaxNLocator(5))
            if r_i == len(ranges) - 1:          # zoomed out: where the structure ends
                ax.plot(radius * np.cos(phi), radius * np.sin(phi), "k--", lw=1.5)
                ax.plot(radius * np.cos(phi), radius * np.sin(phi), "w:", lw=1.5)
                if points is not None:
                    ax.plot(*points.T, "o", ms=2.5, mfc="white", mec="black", mew=0.6)
                ax.set(xlim=(-L, L), ylim=(-L, L))
        if r_i == len(ranges) - 1:
            extra = f"; dots: the {len(points)} line intersections" if points is not None else ""
            row[1].annotate(f"dashed circle: structure radius {radius:.0f} (no new region beyond it){extra}", (0.5, -0.22),
                            xycoords="axes fraction", ha="center", fontsize=9)
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    path = res.figure(exercise, name)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path, regions


def main():
    args = parse_args(__doc__)
    tn.manual_seed(args.seed)
    res = Results("s3_linear_regions", args)
    n = 500 if args.quick else 1000
    radii = np.geomspace(1, 1e4, 61 if args.quick else 121)  # circles for the structure radius, one
    step = radii[1] / radii[0]                                # step apart: it is known to this factor
    n_angles = 5000 if args.quick else 20000

    nets = {"shallow": (2, 20, 1), "deep": (2, 5, 5, 5, 5, 1)}
    expected = {"shallow": 81, "deep": 111}      # the sheet's numbers, asserted below
    models, radius, counts, found, n_params = {}, {}, {}, {}, {}
    for name, widths in nets.items():
        models[name] = model = mlp(widths)
        by_formula = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))  # weights + biases per layer
        n_params[name] = (model.num_parameters(), by_formula)
        print(model)
        radius[name], counts[name], found[name] = structure_radius(model, radii, n_angles)

    res.add("S3.3a", "parameter count of the shallow MLP 2→20→1",
            {"num_parameters()": n_params["shallow"][0], "Σ(in+1)·out": n_params["shallow"][1]},
            check=n_params["shallow"][0] == n_params["shallow"][1] == expected["shallow"])
    points = line_intersections(models["shallow"][0])
    r_vertex = float(np.linalg.norm(points, axis=1).max())
    n_arrangement = 1 + 20 + len(points)    # regions of 20 lines in general position: 1 + lines + crossings
    ranges = {name: (10.0, float(np.ceil(max(10.0, 1.5 * radius[name])))) for name in nets}
    path_b, reg_s = draw_net(res, "S3.3b", "shallow_output_and_gradient",
                             "shallow 2→20→1 ReLU at initialisation: output and its gradient", models["shallow"],
                             ranges["shallow"], n, radius["shallow"], points)
    res.add("S3.3b", "shallow net: output images on [−10,10]² and zoomed out until all kinks are seen",
            {"structure radius (circles)": radius["shallow"], "max line-intersection radius": r_vertex,
             "zoomed-out half-width": ranges["shallow"][1],
             "regions on grid (small/large)": f"{len(reg_s[0])}/{len(reg_s[1])}"},
            [path_b], check=1 / step**2 <= radius["shallow"] / r_vertex <= step**2)
    n_shallow = len(reg_s[0] | reg_s[1] | found["shallow"])
    res.add("S3.3c", "numpy.gradient of the shallow output ('prism'): flat patches = linear regions",
            {"regions found (grids + circles)": n_shallow, "regions of the 20 lines (1 + 20 + crossings)": n_arrangement,
             "upper bound 1+20+C(20,2)": 1 + 20 + 20 * 19 // 2},
            [path_b], check=0.85 * n_arrangement <= n_shallow <= n_arrangement)
    path_d, reg_d = draw_net(res, "S3.3d", "deep_output_and_gradient",
                             "deep 2→5→5→5→5→1 ReLU at initialisation: output and its gradient", models["deep"],
                             ranges["deep"], n, radius["deep"])
    n_deep = len(reg_d[0] | reg_d[1] | found["deep"])
    first_layer_bound = 1 + 5 + 5 * 4 // 2   # the most regions 5 straight lines make: depth must add the rest

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, c in zip(nets, ("C0", "C1")):
        ax.semilogx(radii, counts[name], color=c, label=f"{name} {'→'.join(map(str, nets[name]))}")
        ax.axvline(radius[name], color=c, ls="--", lw=1)
    ax.axvline(r_vertex, color="k", ls=":", lw=1, label="shallow: farthest line intersection")
    ax.set(xlabel="circle radius r", ylabel="regions met by circles of radius ≤ r",
           title="zooming out: when do new regions stop appearing? (dashed)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path_r = res.figure("S3.3d", "structure_radius")
    fig.savefig(path_r, dpi=110)
    plt.close(fig)
    res.add("S3.3d", "deep MLP 2→5→5→5→5→1: parameter count, the same images; regions bent",
            {"num_parameters()": n_params["deep"][0], "Σ(in+1)·out": n_params["deep"][1],
             "structure radius (circles)": radius["deep"], "zoomed-out half-width": ranges["deep"][1],
             "regions on grid (small/large)": f"{len(reg_d[0])}/{len(reg_d[1])}",
             "regions found (grids + circles)": n_deep, "regions per hidden neuron (deep/shallow)":
             f"{n_deep / 20:.2f}/{n_shallow / 20:.2f}", "first layer alone (1 + 5 + C(5,2))": first_layer_bound},
            [path_d, path_r],
            check=n_params["deep"][0] == n_params["deep"][1] == expected["deep"] and n_deep > first_layer_bound)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
