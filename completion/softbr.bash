# bash completion for softbr: generated from its command-line definition (src/cli) by
# `npm run docs`; edit it there. Install as /usr/share/bash-completion/completions/softbr.
_softbr() {
  declare -A subs=(
    ['softbr']='daemon addbr delbr addif delif show showmacs showstp setageing setfd sethello setmaxage stp setbridgeprio setpathcost setportprio hairpin setportflag fdb link monitor demo trace capture bench config'
    ['softbr daemon']=''
    ['softbr addbr']=''
    ['softbr delbr']=''
    ['softbr addif']=''
    ['softbr delif']=''
    ['softbr show']=''
    ['softbr showmacs']=''
    ['softbr showstp']=''
    ['softbr setageing']=''
    ['softbr setfd']=''
    ['softbr sethello']=''
    ['softbr setmaxage']=''
    ['softbr stp']=''
    ['softbr setbridgeprio']=''
    ['softbr setpathcost']=''
    ['softbr setportprio']=''
    ['softbr hairpin']=''
    ['softbr setportflag']=''
    ['softbr fdb']='show add del flush'
    ['softbr fdb show']=''
    ['softbr fdb add']=''
    ['softbr fdb del']=''
    ['softbr fdb flush']=''
    ['softbr link']='show'
    ['softbr link show']=''
    ['softbr monitor']=''
    ['softbr demo']=''
    ['softbr trace']=''
    ['softbr capture']=''
    ['softbr bench']=''
    ['softbr config']='show save'
    ['softbr config show']=''
    ['softbr config save']=''
  )
  declare -A opts=(
    ['softbr']='-V --version --control -h --help'
    ['softbr daemon']='-c --config --metrics --no-metrics --control-group -q --quiet -h --help --control'
    ['softbr addbr']='--no-local --mac -h --help --control'
    ['softbr delbr']='-h --help --control'
    ['softbr addif']='--take-address -h --help --control'
    ['softbr delif']='-h --help --control'
    ['softbr show']='--json -h --help --control'
    ['softbr showmacs']='--json -h --help --control'
    ['softbr showstp']='--json -h --help --control'
    ['softbr setageing']='-h --help --control'
    ['softbr setfd']='-h --help --control'
    ['softbr sethello']='-h --help --control'
    ['softbr setmaxage']='-h --help --control'
    ['softbr stp']='-h --help --control'
    ['softbr setbridgeprio']='-h --help --control'
    ['softbr setpathcost']='-h --help --control'
    ['softbr setportprio']='-h --help --control'
    ['softbr hairpin']='-h --help --control'
    ['softbr setportflag']='-h --help --control'
    ['softbr fdb']='-h --help --control'
    ['softbr fdb show']='--br -s --statistics -j --json -p --pretty -h --help --control'
    ['softbr fdb add']='--vlan -h --help --control'
    ['softbr fdb del']='--vlan -h --help --control'
    ['softbr fdb flush']='--port -h --help --control'
    ['softbr link']='-h --help --control'
    ['softbr link show']='-d --details -j --json -h --help --control'
    ['softbr monitor']='--json -h --help --control'
    ['softbr demo']='--keep -h --help --control'
    ['softbr trace']='--in --src --dst --vlan --ethertype --json -h --help --control'
    ['softbr capture']='-w --write -c --count --duration --direction -s --snaplen -h --help --control'
    ['softbr bench']='--switches --tests --rounds --seconds --json --svg -h --help --control'
    ['softbr config']='-h --help --control'
    ['softbr config show']='-h --help --control'
    ['softbr config save']='-h --help --control'
  )
  declare -A valued=(
    ['softbr']='--control'
    ['softbr daemon']='-c --config --metrics --control-group --control'
    ['softbr addbr']='--mac --control'
    ['softbr delbr']='--control'
    ['softbr addif']='--control'
    ['softbr delif']='--control'
    ['softbr show']='--control'
    ['softbr showmacs']='--control'
    ['softbr showstp']='--control'
    ['softbr setageing']='--control'
    ['softbr setfd']='--control'
    ['softbr sethello']='--control'
    ['softbr setmaxage']='--control'
    ['softbr stp']='--control'
    ['softbr setbridgeprio']='--control'
    ['softbr setpathcost']='--control'
    ['softbr setportprio']='--control'
    ['softbr hairpin']='--control'
    ['softbr setportflag']='--control'
    ['softbr fdb']='--control'
    ['softbr fdb show']='--br --control'
    ['softbr fdb add']='--vlan --control'
    ['softbr fdb del']='--vlan --control'
    ['softbr fdb flush']='--port --control'
    ['softbr link']='--control'
    ['softbr link show']='--control'
    ['softbr monitor']='--control'
    ['softbr demo']='--control'
    ['softbr trace']='--in --src --dst --vlan --ethertype --control'
    ['softbr capture']='-w --write -c --count --duration --direction -s --snaplen --control'
    ['softbr bench']='--switches --tests --rounds --seconds --json --svg --control'
    ['softbr config']='--control'
    ['softbr config show']='--control'
    ['softbr config save']='--control'
  )
  declare -A argv=(
    ['softbr']=''
    ['softbr daemon']=''
    ['softbr addbr']='bridge'
    ['softbr delbr']='bridge'
    ['softbr addif']='bridge port'
    ['softbr delif']='bridge port'
    ['softbr show']='bridge'
    ['softbr showmacs']='bridge'
    ['softbr showstp']='bridge'
    ['softbr setageing']='bridge seconds'
    ['softbr setfd']='bridge seconds'
    ['softbr sethello']='bridge seconds'
    ['softbr setmaxage']='bridge seconds'
    ['softbr stp']='bridge state'
    ['softbr setbridgeprio']='bridge prio'
    ['softbr setpathcost']='bridge port cost'
    ['softbr setportprio']='bridge port prio'
    ['softbr hairpin']='bridge port state'
    ['softbr setportflag']='bridge port flag state'
    ['softbr fdb']=''
    ['softbr fdb show']=''
    ['softbr fdb add']='mac dev port kind'
    ['softbr fdb del']='mac dev port'
    ['softbr fdb flush']='bridge'
    ['softbr link']=''
    ['softbr link show']=''
    ['softbr monitor']='bridge'
    ['softbr demo']=''
    ['softbr trace']='bridge'
    ['softbr capture']='bridge port'
    ['softbr bench']=''
    ['softbr config']=''
    ['softbr config show']=''
    ['softbr config save']='file'
  )
  local cur=${COMP_WORDS[COMP_CWORD]} path=softbr w i skip=0 args=0 ctl=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if ((skip)); then skip=0; [[ ${COMP_WORDS[i - 1]} == --control ]] && ctl=(--control "$w"); continue; fi
    if [[ $w == -* ]]; then
      # a value option (of this verb or a global one) eats the next word
      [[ " ${valued[$path]} " == *" $w "* ]] && skip=1
      continue
    fi
    if ((args == 0)) && [[ " ${subs[$path]} " == *" $w "* ]]; then path="$path $w"; else args=$((args + 1)); fi
  done
  if ((skip)); then
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  elif [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${opts[$path]}" -- "$cur")
  elif ((args == 0)) && [[ -n ${subs[$path]} ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${subs[$path]}" -- "$cur")
  elif local names=(${argv[$path]}); [[ ${names[args]:-} == bridge ]]; then
    # first column of `softbr show`, without its header and continuation lines
    mapfile -t COMPREPLY < <(compgen -W "$("${COMP_WORDS[0]}" "${ctl[@]}" show 2>/dev/null | awk -F '\t' 'NR > 1 && $1 != "" { print $1 }')" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -F _softbr softbr
