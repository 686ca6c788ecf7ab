"""The kernel of a live page (``observatory serve``'s kernel spec runs ``python -m observatory.live_kernel``):
IPython's kernel without its debugger. ipykernel loads debugpy whenever it is installed (about 100 modules,
7 MB and 0.2 s of CPU a kernel); no visitor debugs a page, and 20 kernels starting at once on two cores
feel every tenth of a second."""

import sys

if __name__ == "__main__":
    sys.modules["debugpy"] = None  # type: ignore[assignment]  (ipykernel then runs without its debugger)
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()
